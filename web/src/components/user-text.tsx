import { balanceBidi } from '../utils/bidi'

/**
 * Any user-supplied string shown inline (names, previews, notices): a `<bdi>`, which HTML gives
 * `dir="auto"` and CSS `unicode-bidi: isolate`, so the string takes its own direction and its bidi
 * controls cannot reorder the text around it ("Team\u202Eexe.pdf" must not turn the "?" after it).
 * The text is balanced first (`balanceBidi`), because a stray PDI or a paragraph separator inside
 * would end the isolate early. Block text (message bubbles) uses `dir="auto"` on its element instead.
 */
export function UserText({ text, class: className }: { text: string; class?: string }) {
  return <bdi class={className}>{balanceBidi(text)}</bdi>
}
