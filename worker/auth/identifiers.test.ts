import { describe, expect, it } from 'vitest'
import { canonicalEmail, canonicalUsername, foldIdentifier, hasInvisibleCharacters, skeleton, usernameSkeleton } from './identifiers'
import { isHighlyRestrictive } from './scripts'

describe('foldIdentifier', () => {
  it.each([
    ['NFC', 'jos\u00e9', 'NFD', 'jose\u0301'],
    ['Latin capital with accent', 'Émile', 'lower case', 'émile'],
    ['Greek capitals', 'ΣΟΦΊΑ', 'lower case', 'σοφία'],
    ['Greek final sigma', 'σοφίας', 'medial sigma', 'σοφίασ'],
    ['German ß', 'Straße', 'capitals', 'STRASSE'],
    ['capital ẞ', 'ẞ', 'ss', 'ss'],
    ['Turkish İ', 'İ', 'i + combining dot above', 'i\u0307'],
    ['Cyrillic capitals', 'ДМИТРИЙ', 'lower case', 'дмитрий'],
    ['Armenian capitals', 'ԱՐԱՄ', 'lower case', 'արամ'],
    ['Cherokee capitals', 'ᏣᎳᎩ', 'Cherokee small letters', '\uabb3\uab83\uab79'],
    ['fullwidth', 'ａｄｍｉｎ', 'ASCII', 'admin'],
    ['ligature ﬁ', 'ﬁnn', 'f + i', 'finn'],
    ['superscript two', 'x²', 'digit two', 'x2'],
    ['Kelvin sign', '\u212a', 'k', 'k'],
  ])('folds %s and %s to one form', (_, a, __, b) => {
    expect(foldIdentifier(a)).toBe(foldIdentifier(b))
  })

  it.each([
    ['dotless ı and i (distinct letters in CaseFolding.txt without the Turkic T mappings)', 'ı', 'i'],
    ['Latin a and Cyrillic а (left to the skeleton)', 'a', '\u0430'],
    ['e and é', 'e', 'é'],
  ])('keeps %s apart', (_, a, b) => {
    expect(foldIdentifier(a)).not.toBe(foldIdentifier(b))
  })

  it('is idempotent on every code point', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const once = foldIdentifier(String.fromCodePoint(cp))
      if (foldIdentifier(once) !== once) expect.fail(`not idempotent at U+${cp.toString(16)}`)
    }
  })

  it('is what canonicalEmail and canonicalUsername compute', () => {
    expect(canonicalEmail('JOSE\u0301@X.TEST')).toBe('jos\u00e9@x.test')
    expect(canonicalUsername('Straße')).toBe('strasse')
  })
})

describe('skeleton and usernameSkeleton', () => {
  it.each([
    ['Cyrillic а', 'admin7', '\u0430dmin7'],
    ['Cyrillic а inside', 'paypal', 'p\u0430ypal'],
    ['l and 1', 'paypal', 'paypa1'],
    ['l and I', 'paypal', 'paypaI'],
    ['m and rn', 'modern', 'rnodern'],
    ['0 and O', 'B0B', 'BOB'],
    ['a zero-width joiner (Default_Ignorable)', 'admin', 'ad\u200dmin'],
  ])('maps %s to one UTS #39 skeleton', (_, a, b) => {
    expect(skeleton(a)).toBe(skeleton(b))
    expect(usernameSkeleton(a)).toBe(usernameSkeleton(b))
  })

  it.each([
    ['case and a Cyrillic letter together', 'paypal', 'P\u0430YPAL'],
    ['fullwidth and a Cyrillic letter', 'admin', 'ａ\u0501min'],
    ['Greek capitals and Latin lower case', 'abe', 'ΑΒΕ'],
  ])('usernameSkeleton also matches %s', (_, a, b) => {
    expect(usernameSkeleton(a)).toBe(usernameSkeleton(b))
  })

  it('keeps names that only share letters apart', () => {
    expect(usernameSkeleton('anna')).not.toBe(usernameSkeleton('hanna'))
    expect(usernameSkeleton('émile')).not.toBe(usernameSkeleton('emile'))
  })
})

describe('isHighlyRestrictive (UTS #39 §5.2)', () => {
  it.each([
    ['Latin', 'admin_7'],
    ['Greek', 'Σοφία'],
    ['Cyrillic', 'дмитрий-2'],
    ['Latin + Han + Hiragana + Katakana', 'tanaka太郎すしカナ'],
    ['Latin + Han + Bopomofo', 'ㄅㄆ中文abc'],
    ['Latin + Han + Hangul', '한국어漢字abc'],
    ['a character in several scripts (Script_Extensions: ー is Hiragana and Katakana)', 'ラーメンらーめん'],
    ['only Common characters', '2024_.-'],
  ])('allows %s', (_, value) => {
    expect(isHighlyRestrictive(value)).toBe(true)
  })

  it.each([
    ['Latin + Cyrillic', '\u0430dmin7'],
    ['Latin + Greek', 'Σofia'],
    ['Greek + Cyrillic', 'Ελλάδαабв'],
    ['Hiragana + Hangul', 'すし한글'],
    ['Bopomofo + Hangul', 'ㄅ한'],
    ['Latin + Arabic', 'abcعربي'],
    ['an unassigned code point', 'ab\u{50000}'],
  ])('refuses %s', (_, value) => {
    expect(isHighlyRestrictive(value)).toBe(false)
  })
})

describe('hasInvisibleCharacters', () => {
  it.each([['\u3164'], ['\u115f'], ['a\u200bb'], ['\ufe0f']])('finds the default-ignorable in %j', (value) => {
    expect(hasInvisibleCharacters(value)).toBe(true)
  })
  it('finds none in visible letters', () => {
    expect(hasInvisibleCharacters('Σοφία_2')).toBe(false)
  })
})
