// What a file is, from its first bytes (magic numbers), never from its name or declared type: a
// declared `image/png` that is really HTML would otherwise be served as HTML. Signatures follow the
// WHATWG MIME Sniffing Standard §6 and each format's own specification (named per check).

/** The types served inline (shown in the page); everything else is served as a download. */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Markup and scripts are kept, but only ever served as this: a download the browser will not render. */
export const OPAQUE_TYPE = 'application/octet-stream'

export interface Sniffed {
  /** The Content-Type the file is served with. */
  contentType: string
  /** Pixels, for the four image types when the header holds them; else null. */
  width: number | null
  height: number | null
}

/** Why a file is refused: an executable, or bytes of no type on the list (docs/protocol.md). */
export type SniffRefusal = 'executable' | 'unknown'

/**
 * Classifies a file by `head`, its first bytes (the worker passes the first 64 KiB chunk, or the
 * whole file when shorter; `isWhole` says which). Returns the type to serve, or a refusal:
 * executables (PE `MZ`, ELF, Mach-O) and any binary format not on the list. Valid UTF-8 text is
 * `text/plain`, except markup (HTML, SVG, XML: first non-blank character `<`) and scripts (`#!`),
 * which become OPAQUE_TYPE so nothing can make a browser run them from our origin.
 */
export function sniff(head: Uint8Array, isWhole: boolean): Sniffed | SniffRefusal {
  const image = sniffImage(head)
  if (image) return image
  const binary = sniffBinary(head)
  if (binary) return binary === 'executable' ? binary : { contentType: binary, width: null, height: null }
  const text = sniffText(head, isWhole)
  return text ? { contentType: text, width: null, height: null } : 'unknown'
}

function startsWith(b: Uint8Array, signature: readonly number[] | string, offset = 0): boolean {
  const bytes = typeof signature === 'string' ? Array.from(signature, (ch) => ch.charCodeAt(0)) : signature
  if (b.length < offset + bytes.length) return false
  return bytes.every((byte, i) => b[offset + i] === byte)
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8)
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!)

function image(contentType: string, size: { width: number; height: number } | null): Sniffed {
  // A zero side is a broken header, not a size a client should lay out.
  const valid = size !== null && size.width > 0 && size.height > 0
  return { contentType, width: valid ? size.width : null, height: valid ? size.height : null }
}

function sniffImage(b: Uint8Array): Sniffed | null {
  // PNG (ISO/IEC 15948 §5.2): signature, then IHDR first, width and height as 32-bit big-endian.
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return image('image/png', b.length >= 24 && startsWith(b, 'IHDR', 12) ? { width: u32be(b, 16), height: u32be(b, 20) } : null)
  }
  // GIF (GIF89a spec §17-18): "GIF87a" or "GIF89a", then the logical screen size, 16-bit little-endian.
  if (startsWith(b, 'GIF87a') || startsWith(b, 'GIF89a')) {
    return image('image/gif', b.length >= 10 ? { width: u16le(b, 6), height: u16le(b, 8) } : null)
  }
  if (startsWith(b, [0xff, 0xd8, 0xff])) return image('image/jpeg', jpegSize(b))
  if (startsWith(b, 'RIFF') && startsWith(b, 'WEBP', 8)) return image('image/webp', webpSize(b))
  return null
}

/**
 * JPEG (ITU-T T.81 Annex B): walks the marker segments to the first start-of-frame (SOFn: C0-CF but
 * C4 DHT, C8 JPG, CC DAC), whose body is precision, height, width. Null when the head ends first,
 * the scan starts first, or a segment is malformed.
 */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i += 1 // fill byte (B.1.1.2)
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2 // TEM, RSTn, SOI: no length
      continue
    }
    if (marker === 0xd9 || marker === 0xda) return null // EOI or SOS before any frame header
    const length = u16be(b, i + 2)
    if (length < 2) return null
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isFrame) return i + 9 <= b.length ? { height: u16be(b, i + 5), width: u16be(b, i + 7) } : null
    i += 2 + length
  }
  return null
}

/**
 * WebP (RFC 9649): the first chunk after "WEBP" decides. VP8 (lossy, RFC 6386 §9.1): start code
 * 9D 01 2A, then 14-bit width and height. VP8L (lossless): signature 0x2F, then width-1 and height-1
 * in 14 bits each. VP8X (extended): 24-bit canvas width-1 and height-1.
 */
function webpSize(b: Uint8Array): { width: number; height: number } | null {
  if (startsWith(b, 'VP8 ', 12)) {
    if (b.length < 30 || !startsWith(b, [0x9d, 0x01, 0x2a], 23)) return null
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff }
  }
  if (startsWith(b, 'VP8L', 12)) {
    if (b.length < 25 || b[20] !== 0x2f) return null
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (startsWith(b, 'VP8X', 12)) {
    if (b.length < 30) return null
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 }
  }
  return null
}

/** The binary formats on the list, by signature; 'executable' for programs; null for none of them. */
function sniffBinary(b: Uint8Array): string | 'executable' | null {
  // Programs are refused outright: PE/DOS "MZ", ELF, Mach-O (32/64-bit, both byte orders, fat).
  if (startsWith(b, 'MZ') || startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return 'executable'
  for (const magic of [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]]) {
    if (startsWith(b, magic)) return 'executable'
  }
  if (startsWith(b, '%PDF-')) return 'application/pdf'
  // ZIP (APPNOTE 4.3.7 local file header, 4.3.16 end record of an empty archive). docx, xlsx, odt and
  // epub are ZIPs too; they are served as application/zip, a download, which is all they need.
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'application/zip'
  // ISO BMFF (ISO/IEC 14496-12 §4.3): a leading "ftyp" box; the major brand tells audio from video.
  if (startsWith(b, 'ftyp', 4)) {
    if (startsWith(b, 'M4A ', 8)) return 'audio/mp4'
    if (startsWith(b, 'qt  ', 8)) return 'video/quicktime'
    return 'video/mp4'
  }
  // EBML (RFC 8794) header: WebM if its DocType says so, otherwise Matroska (RFC 9559).
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return containsAscii(b.subarray(0, 64), 'webm') ? 'video/webm' : 'video/x-matroska'
  if (startsWith(b, 'OggS')) return 'audio/ogg' // RFC 3533 §6
  if (startsWith(b, 'RIFF') && startsWith(b, 'WAVE', 8)) return 'audio/wav'
  // MP3: an ID3v2 tag, or an MPEG-1/2 Layer III frame sync (11 set bits, layer bits 01).
  if (startsWith(b, 'ID3') || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe6) === 0xe2)) return 'audio/mpeg'
  return null
}

function containsAscii(b: Uint8Array, text: string): boolean {
  for (let i = 0; i + text.length <= b.length; i++) if (startsWith(b, text, i)) return true
  return false
}

/**
 * UTF-8 text (a BOM allowed) with no C0 control characters other than tab, line feed, form feed,
 * carriage return and escape: `text/plain; charset=utf-8`, or OPAQUE_TYPE for markup and scripts.
 * When `head` is not the whole file it may end inside a character; that tail is not judged.
 */
function sniffText(b: Uint8Array, isWhole: boolean): string | null {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b, { stream: !isWhole })
  } catch {
    return null
  }
  if (/[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]/.test(text)) return null
  const start = text.replace(/^\uFEFF/, '').trimStart()
  if (start.startsWith('<') || start.startsWith('#!')) return OPAQUE_TYPE
  return 'text/plain; charset=utf-8'
}
