import { MESSAGE_MAX_CHARS, countChars, describeTextProblem, findTextProblem } from '../../../protocol'

/** The composer shows how many characters are left once this close to the limit. */
const COUNTER_FROM_CHARS = MESSAGE_MAX_CHARS - 500

/** What the composer shows for a draft, and whether the room would store it. */
export interface DraftCheck {
  /** MESSAGE_MAX_CHARS minus the draft's code points (negative when over). */
  charsLeft: number
  /** False for text the server would refuse: over the limit, blank (`isBlank`), or breaking the text rule. */
  canSend: boolean
  /** The counter or the problem, as a sentence; null while there is nothing to say. */
  hint: string | null
  isError: boolean
}

/**
 * Checks a draft by the server's rule for messages (protocol/text.ts): its length in code points
 * (`countChars`, so 4,000 emoji fit and 4,001 code points are "1 character over the limit"),
 * then `findTextProblem(text, 'message')`. A blank draft cannot be sent but gets no error line.
 */
export function checkDraft(text: string): DraftCheck {
  const charsLeft = MESSAGE_MAX_CHARS - countChars(text)
  if (charsLeft < 0) return { charsLeft, canSend: false, hint: `${plural(-charsLeft)} over the limit`, isError: true }
  const problem = findTextProblem(text, 'message')
  if (problem && problem !== 'empty') return { charsLeft, canSend: false, hint: `Message ${describeTextProblem(problem, 'message')}`, isError: true }
  const hint = charsLeft <= MESSAGE_MAX_CHARS - COUNTER_FROM_CHARS ? `${plural(charsLeft)} left` : null
  return { charsLeft, canSend: problem === null, hint, isError: false }
}

function plural(chars: number): string {
  return chars === 1 ? '1 character' : `${chars} characters`
}
