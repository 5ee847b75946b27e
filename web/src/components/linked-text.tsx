import { linkify } from '../utils/linkify'

/**
 * Message text with its http(s) links clickable (`utils/linkify.ts`). Every part is a text child,
 * escaped by Preact; a link opens in a new tab without giving the page a handle on ours
 * (`noopener`), a Referer (`noreferrer`) or our ranking (`nofollow`).
 */
export function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.href ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </>
  )
}
