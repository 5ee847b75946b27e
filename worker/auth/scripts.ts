import propertyValueAliases from 'unicode-match-property-value-ecmascript/data/mappings.js'

// UTS #39 §5.1–5.2 "Highly Restrictive": a username is one script, or Latin with the scripts that a
// Japanese, Chinese (Bopomofo) or Korean name mixes. Common (digits, "_", ".", "-") and Inherited
// characters count as every script. The script data is the JS engine's own (RegExp \p{scx=…});
// the list of script names comes from unicode-match-property-value-ecmascript.

type ScriptSet = ReadonlySet<string>

/** UTS #39 §5.1 augmented script sets: Han, Hiragana, Katakana, Hangul and Bopomofo join their writing systems. */
const AUGMENT: Record<string, string[]> = {
  Han: ['Han_with_Bopomofo', 'Japanese', 'Korean'],
  Hiragana: ['Japanese'],
  Katakana: ['Japanese'],
  Hangul: ['Korean'],
  Bopomofo: ['Han_with_Bopomofo'],
}

/** UTS #39 §5.2: the mixes a Highly Restrictive identifier may use beyond a single script. */
const ALLOWED_MIXES: ScriptSet[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
]

const ANY_SCRIPT = /^[\p{scx=Common}\p{scx=Inherited}]$/u

let scriptPatterns: [string, RegExp][] | undefined

/** One `\p{scx=…}` test per script this engine knows; names newer than the engine are skipped. */
function patterns(): [string, RegExp][] {
  if (scriptPatterns) return scriptPatterns
  const names = new Set(propertyValueAliases.get('Script_Extensions')?.values() ?? [])
  scriptPatterns = [...names].flatMap((name): [string, RegExp][] => {
    if (name === 'Common' || name === 'Inherited' || name === 'Unknown') return []
    try {
      return [[name, new RegExp(`^\\p{scx=${name}}$`, 'u')]]
    } catch {
      return []
    }
  })
  return scriptPatterns
}

/** A character's Script_Extensions, or null when it counts as every script (Common, Inherited). */
export function scriptsOf(char: string): ScriptSet | null {
  const found = new Set(patterns().filter(([, re]) => re.test(char)).map(([name]) => name))
  if (found.size === 0 && ANY_SCRIPT.test(char)) return null
  return found
}

function augment(scripts: ScriptSet): ScriptSet {
  return new Set([...scripts, ...[...scripts].flatMap((s) => AUGMENT[s] ?? [])])
}

/**
 * True when `value` is Highly Restrictive (UTS #39 §5.2): its resolved script set is not empty
 * (one script, augmented as in §5.1), or every character belongs to one of the Latin + Han +
 * Hiragana + Katakana, Latin + Han + Bopomofo or Latin + Han + Hangul mixes. A character of no
 * known script (unassigned, or newer than the engine) makes it false.
 */
export function isHighlyRestrictive(value: string): boolean {
  const perChar = [...value].map(scriptsOf).filter((s): s is ScriptSet => s !== null)
  if (perChar.some((s) => s.size === 0)) return false
  const [first, ...rest] = perChar.map(augment)
  if (!first) return true
  const resolved = rest.reduce((acc, scripts) => new Set([...acc].filter((s) => scripts.has(s))), first)
  if (resolved.size > 0) return true
  return ALLOWED_MIXES.some((mix) => perChar.every((scripts) => [...scripts].some((s) => mix.has(s))))
}
