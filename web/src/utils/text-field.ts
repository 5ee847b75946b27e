import {
  CHAT_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  countChars,
  describeTextProblem,
  findTextProblem,
  type TextKind,
} from '../../../protocol'
import { ApiError } from '../api/errors'

/** A text field's rule, as the server applies it (protocol/fields.ts). */
export interface FieldRule {
  /** The free-text rule of protocol/text.ts; omitted for passwords, which are only counted. */
  kind?: TextKind
  /** Length bounds in Unicode code points (`countChars`), the unit of every limit in protocol/. */
  min: number
  max: number
}

/**
 * Why the server would refuse `value` for this field, as a sentence starting with `label`
 * ("Group name must be at most 100 characters."), or null when it would accept it. Names are
 * trimmed first, as the server trims them. Lengths count code points, never UTF-16 units, so 100
 * emoji fit a 100-character name; this is why no input uses the `maxLength` attribute, which counts
 * UTF-16 units (HTML: "code-unit length") and would cut a name or a password short.
 */
export function describeFieldProblem(label: string, value: string, rule: FieldRule): string | null {
  const text = rule.kind === 'name' ? value.trim() : value
  const problem = rule.kind ? findTextProblem(text, rule.kind) : null
  if (problem && rule.kind) return `${label} ${describeTextProblem(problem, rule.kind)}`
  const count = countChars(text)
  if (count < rule.min) return `${label} must be at least ${rule.min} characters (it has ${count}).`
  if (count > rule.max) return `${label} must be at most ${rule.max} characters (it has ${count}).`
  return null
}

/**
 * Refuses in the client what the server would refuse, with the same kind of error: throws
 * `ApiError('invalid_request', sentence)` for the first field that breaks its rule, so `useAction`
 * shows it like the server's answer, without a round trip.
 */
export function requireValidFields(fields: [label: string, value: string, rule: FieldRule][]): void {
  for (const [label, value, rule] of fields) {
    const problem = describeFieldProblem(label, value, rule)
    if (problem) throw new ApiError('invalid_request', problem)
  }
}

/** The fields the client checks before sending, with the server's limits (protocol/http.ts). */
export const GROUP_NAME_RULE: FieldRule = { kind: 'name', min: 1, max: CHAT_NAME_MAX_LENGTH }
export const USERNAME_RULE: FieldRule = { kind: 'name', min: USERNAME_MIN_LENGTH, max: USERNAME_MAX_LENGTH }
export const NEW_PASSWORD_RULE: FieldRule = { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH }
