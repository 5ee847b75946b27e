import { describe, expect, it } from 'vitest'
import { base64ToBytes } from '../crypto/encoding'
import { OPAQUE_TYPE, sniff } from './sniff'
import { IMAGE_FILES, ZIP_FILE } from './sniff.fixtures'

const file = (base64: string) => base64ToBytes(base64)!
const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0))
const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...ascii(p)] : p)))
const utf8 = (text: string) => new TextEncoder().encode(text)

describe('sniff: images from real encoders', () => {
  // Every fixture is 37 x 21 pixels: a swapped width and height would show.
  it.each([
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
    ['jpegProgressive', 'image/jpeg'],
    ['jpegExif', 'image/jpeg'],
    ['gif', 'image/gif'],
    ['webpLossy', 'image/webp'],
    ['webpLossless', 'image/webp'],
    ['webpAlpha', 'image/webp'],
    ['webpExtended', 'image/webp'],
  ] as const)('%s is %s, 37 x 21', (name, contentType) => {
    expect(sniff(file(IMAGE_FILES[name]), true)).toEqual({ contentType, width: 37, height: 21 })
  })

  it.each(Object.keys(IMAGE_FILES) as (keyof typeof IMAGE_FILES)[])('%s cut short before its size keeps its type, without a size', (name) => {
    const whole = file(IMAGE_FILES[name])
    const expected = sniff(whole, true) as { contentType: string }
    // Long enough for the signature, too short for the size field (GIF's sits at bytes 6-9).
    expect(sniff(whole.subarray(0, name === 'gif' ? 8 : 16), false)).toEqual({ contentType: expected.contentType, width: null, height: null })
  })

  it('finds the JPEG frame header only after the EXIF segment, and none when the scan starts first', () => {
    const exif = file(IMAGE_FILES.jpegExif)
    expect(exif[3]).toBe(0xe1) // APP1 comes first in this file
    const sos = bytes([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00])
    expect(sniff(sos, true)).toEqual({ contentType: 'image/jpeg', width: null, height: null })
  })

  it('gives no size for a zero-sized header', () => {
    expect(sniff(bytes('GIF89a', [0, 0, 5, 0]), true)).toEqual({ contentType: 'image/gif', width: null, height: null })
  })
})

describe('sniff: other types by signature', () => {
  it.each([
    ['PDF', bytes('%PDF-1.7\n%', [0xe2, 0xe3, 0xcf, 0xd3]), 'application/pdf'],
    ['ZIP (a real archive)', file(ZIP_FILE), 'application/zip'],
    ['empty ZIP', bytes([0x50, 0x4b, 0x05, 0x06], new Array(18).fill(0)), 'application/zip'],
    ['MP4 (isom)', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0], 'isomiso2avc1mp41'), 'video/mp4'],
    ['M4A', bytes([0, 0, 0, 0x1c], 'ftypM4A ', [0, 0, 0, 0], 'M4A mp42isom'), 'audio/mp4'],
    ['QuickTime', bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  '), 'video/quicktime'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm', [0x42, 0x87, 0x81, 0x04]), 'video/webm'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska', [0x42, 0x87, 0x81, 0x04]), 'video/x-matroska'],
    ['MP3 with ID3v2', bytes('ID3', [4, 0, 0, 0, 0, 0, 0x23], 'TSSE'), 'audio/mpeg'],
    ['MP3 frame sync (MPEG-1 Layer III)', bytes([0xff, 0xfb, 0x90, 0x64, 0x00]), 'audio/mpeg'],
    ['Ogg', bytes('OggS', [0, 2], new Array(20).fill(0), [1, 0x1e, 1], 'vorbis'), 'audio/ogg'],
    ['WAV', bytes('RIFF', [0x24, 0x08, 0, 0], 'WAVEfmt ', [16, 0, 0, 0, 1, 0, 2, 0]), 'audio/wav'],
  ])('%s', (_, head, contentType) => {
    expect(sniff(head, true)).toEqual({ contentType, width: null, height: null })
  })
})

describe('sniff: text, markup and scripts', () => {
  it.each([
    ['ASCII', 'hello, world\n', 'text/plain; charset=utf-8'],
    ['UTF-8 with a BOM', '\uFEFFnaïve café ✓\r\n\ttab', 'text/plain; charset=utf-8'],
    ['CSV', 'a,b\n1,2\n', 'text/plain; charset=utf-8'],
    ['HTML', '<!DOCTYPE html><script>alert(1)</script>', OPAQUE_TYPE],
    ['HTML after blank lines', '\n\n  <html><body onload=x()>', OPAQUE_TYPE],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', OPAQUE_TYPE],
    ['XML', '<?xml version="1.0"?><a/>', OPAQUE_TYPE],
    ['SVG behind a BOM', '\uFEFF<svg/>', OPAQUE_TYPE],
    ['a shell script', '#!/bin/sh\nrm -rf ~\n', OPAQUE_TYPE],
  ])('%s', (_, text, contentType) => {
    expect(sniff(utf8(text), true)).toEqual({ contentType, width: null, height: null })
  })

  it('judges a head that ends inside a character by what precedes it, unless it is the whole file', () => {
    const head = utf8('abc é').subarray(0, 5) // the é cut after its first byte
    expect(sniff(head, false)).toMatchObject({ contentType: 'text/plain; charset=utf-8' })
    expect(sniff(head, true)).toBe('unknown')
  })
})

describe('sniff: refusals', () => {
  it.each([
    ['PE (MZ)', bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0])],
    ['ELF', bytes([0x7f], 'ELF', [2, 1, 1, 0])],
    ['Mach-O 64', bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])],
    ['Mach-O fat', bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])],
  ])('%s is an executable', (_, head) => {
    expect(sniff(head, true)).toBe('executable')
  })

  it.each([
    ['random binary', bytes([0x00, 0x13, 0x37, 0xc0, 0xff, 0xee])],
    ['UTF-16 text', bytes([0xff, 0xfe], 'h\0i\0')],
    ['invalid UTF-8', bytes('abc', [0xc3, 0x28])],
    ['text with NUL', bytes('abc', [0], 'def')],
    ['a declared PNG with a wrong signature', bytes([0x89], 'PNX\r\n', [0x1a, 0x0a])],
  ])('%s is unknown', (_, head) => {
    expect(sniff(head, true)).toBe('unknown')
  })
})
