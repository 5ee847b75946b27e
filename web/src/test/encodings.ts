/** One character of each UTF-8 length (1 to 4 bytes); the last two are two UTF-16 units each: limits are counted in code points. */
export const ENCODINGS = [
  ['ASCII', 'a'],
  ['Latin-1', 'é'],
  ['CJK', '汉'],
  ['emoji', '😀'],
  ['astral CJK', '𠮷'],
] as const
