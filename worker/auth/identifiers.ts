import unhomoglyph from 'unhomoglyph'
import { caseFold } from 'unicode-case-folding'

// One canonical form per identifier, computed where an email or username enters the system
// (registration, login, search, the backfill of old rows) and stored in its own UNIQUE column.
// The confusables table (unhomoglyph: Unicode's confusables.txt) lives here, in the worker only:
// nothing under protocol/ or web/ imports this file, so it never reaches the web bundle.

/**
 * The comparison form of an email or username: NFKC, then full Unicode case folding (CaseFolding.txt
 * statuses C+F, so "ß"/"ẞ" → "ss", "ς"/"Σ" → "σ", "İ" → "i̇", Cherokee small letters → capitals),
 * then NFKC again, so that folding never leaves an unnormalised string (UAX #15; the Unicode
 * Standard §3.13 D145–D146 "compatibility caseless match"). Fullwidth "ａｄｍｉｎ" → "admin",
 * "ﬁ" → "fi", "x²" → "x2". Idempotent (checked over every code point). Not for display.
 */
export function foldIdentifier(value: string): string {
  return caseFold(value.normalize('NFKC')).normalize('NFKC')
}

/** The canonical email: `foldIdentifier` of the whole address (every mail provider we know folds the local part too). */
export function canonicalEmail(email: string): string {
  return foldIdentifier(email)
}

/** The canonical username: `foldIdentifier`. Two names with the same canonical form are one name. */
export function canonicalUsername(username: string): string {
  return foldIdentifier(username)
}

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu

/**
 * UTS #39 §4 skeleton: NFD, drop Default_Ignorable_Code_Point, map every character to its prototype
 * in confusables.txt, NFD again. Two strings with equal skeletons are confusable ("аdmin" with a
 * Cyrillic "а" and "admin"; "m" and "rn"; "l", "1" and "I").
 */
export function skeleton(value: string): string {
  return unhomoglyph(value.normalize('NFD').replace(DEFAULT_IGNORABLE, '')).normalize('NFD')
}

/**
 * The confusable skeleton of a username, case-insensitive: skeleton of the NFKC form, folded, then
 * skeleton again. UTS #39's skeleton is case-sensitive ("I" → "l" but "i" stays), so folding first
 * would lose "paypaI"/"paypal", and folding never would miss "Pаypal" (Cyrillic а) against
 * "paypal". A name is refused when its canonical form OR its skeleton belongs to another account.
 */
export function usernameSkeleton(username: string): string {
  return skeleton(foldIdentifier(skeleton(username.normalize('NFKC'))))
}

/** Characters that render as nothing (UTS #39 Identifier_Status=Restricted; e.g. U+3164 HANGUL FILLER is a letter). */
export function hasInvisibleCharacters(value: string): boolean {
  return new RegExp(DEFAULT_IGNORABLE.source, 'u').test(value)
}
