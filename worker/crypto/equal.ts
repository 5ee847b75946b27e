/**
 * Constant-time comparison: the time taken depends only on the lengths, never on where the first
 * difference is, so an attacker cannot learn a secret byte by byte from response times.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

export function timingSafeEqualStrings(a: string, b: string): boolean {
  const encoder = new TextEncoder()
  return timingSafeEqual(encoder.encode(a), encoder.encode(b))
}
