import { describe, expect, it } from 'vitest'
import { linkify, type TextPart } from './linkify'

const link = (text: string, href = text): TextPart => ({ text, href })
const plain = (text: string): TextPart => ({ text })

describe('linkify', () => {
  it.each<[string, string, TextPart[]]>([
    ['a bare link', 'https://example.com', [link('https://example.com', 'https://example.com/')]],
    ['http too', 'see http://example.com/a', [plain('see '), link('http://example.com/a')]],
    ['any case of the scheme', 'HTTPS://Example.COM/X', [link('HTTPS://Example.COM/X', 'https://example.com/X')]],
    ['a full stop after it', 'Go to https://example.com/a.', [plain('Go to '), link('https://example.com/a'), plain('.')]],
    ['several marks after it', 'https://example.com/a?!', [link('https://example.com/a'), plain('?!')]],
    ['a comma and more text', 'https://a.example/x, then', [link('https://a.example/x'), plain(', then')]],
    ['a query and fragment kept', 'https://a.example/p?q=1&r=2#top', [link('https://a.example/p?q=1&r=2#top')]],
    ['inside parentheses', '(https://a.example/x)', [plain('('), link('https://a.example/x'), plain(')')]],
    ['balanced parentheses kept', 'https://en.wikipedia.org/wiki/Bee_(disambiguation)', [link('https://en.wikipedia.org/wiki/Bee_(disambiguation)')]],
    ['balanced, inside parentheses', '(https://a.example/B_(x))', [plain('('), link('https://a.example/B_(x)'), plain(')')]],
    ['a bracket and a full stop', '[https://a.example/].', [plain('['), link('https://a.example/'), plain('].')]],
    ['quotes around it', '"https://a.example/x"', [plain('"'), link('https://a.example/x'), plain('"')]],
    ['angle brackets around it', '<https://a.example/x>', [plain('<'), link('https://a.example/x'), plain('>')]],
    ['javascript: stays text', 'javascript:alert(1)', [plain('javascript:alert(1)')]],
    ['javascript: with slashes stays text', 'javascript://%0aalert(1)', [plain('javascript://%0aalert(1)')]],
    ['data: stays text', 'data:text/html,<script>alert(1)</script>', [plain('data:text/html,<script>alert(1)</script>')]],
    ['vbscript: and file: stay text', 'vbscript:x file:///etc/passwd', [plain('vbscript:x file:///etc/passwd')]],
    ['a scheme with no host', 'https:// nothing', [plain('https:// nothing')]],
    ['only the http part of a javascript: text', 'javascript:fetch("https://a.example/x")', [plain('javascript:fetch("'), link('https://a.example/x'), plain('")')]],
    ['an IDN host goes out in Punycode', 'https://bücher.example/ok', [link('https://bücher.example/ok', 'https://xn--bcher-kva.example/ok')]],
    ['a Cyrillic look-alike host is Punycode in the href', 'https://аpple.com', [link('https://аpple.com', 'https://xn--pple-43d.com/')]],
    ['a right-to-left override ends the link', 'https://a.example/\u202Efdp.exe', [link('https://a.example/'), plain('\u202Efdp.exe')]],
    ['an isolate before it stays text', '\u2067https://a.example/x\u2069', [plain('\u2067'), link('https://a.example/x'), plain('\u2069')]],
    ['a zero-width space ends the link', 'https://a.example/x\u200Bevil', [link('https://a.example/x'), plain('\u200Bevil')]],
    ['a newline ends the link', 'https://a.example/x\nnext', [link('https://a.example/x'), plain('\nnext')]],
    ['two links', 'https://a.example and https://b.example', [link('https://a.example', 'https://a.example/'), plain(' and '), link('https://b.example', 'https://b.example/')]],
    ['markup stays text', '<img src=x onerror=alert(1)>', [plain('<img src=x onerror=alert(1)>')]],
    ['an invalid port is text', 'https://a.example:99999/', [plain('https://a.example:99999/')]],
    ['no link at all', 'hello', [plain('hello')]],
    ['empty text', '', []],
  ])('%s', (_case, input, expected) => {
    const parts = linkify(input)
    expect(parts).toEqual(expected)
    expect(parts.map((p) => p.text).join('')).toBe(input)
    for (const part of parts) if (part.href) expect(new URL(part.href).protocol).toMatch(/^https?:$/)
  })
})
