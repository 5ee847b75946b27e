// unicode-match-property-value-ecmascript ships no types: its data file is a Map from property
// name (e.g. "Script_Extensions") to a Map from every alias to the canonical value name.
declare module 'unicode-match-property-value-ecmascript/data/mappings.js' {
  const mappings: ReadonlyMap<string, ReadonlyMap<string, string>>
  export default mappings
}
