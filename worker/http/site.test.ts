import { describe, expect, it } from 'vitest'
import { isCrossSite, siteOf } from './site'

describe('siteOf', () => {
  it.each([
    ['https://chat.example.com', 'https://example.com'],
    ['https://a.b.chat.example.com:8443', 'https://example.com'],
    ['https://example.com', 'https://example.com'],
    ['http://localhost:5173', 'http://localhost'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1'],
    ['http://[::1]:8787', 'http://[::1]'],
    ['https://edge-chat.alice.workers.dev', 'https://workers.dev'],
  ])('%s is on %s', (origin, site) => {
    expect(siteOf(origin)).toBe(site)
  })
})

describe('isCrossSite', () => {
  it.each([
    ['http://localhost:5173', 'http://localhost:8787', false],
    ['https://app.example.com', 'https://api.example.com', false],
    ['https://example.com', 'https://api.example.com', false],
    ['http://localhost:5173', 'http://127.0.0.1:8787', true],
    ['https://app.example.net', 'https://api.example.com', true],
    ['http://chat.example.com', 'https://chat.example.com', true],
    ['https://chat.example.com', 'https://chat.example.com.evil.test', true],
    ['https://client.pages.dev', 'https://edge-chat.alice.workers.dev', true],
    // The documented approximation: without the Public Suffix List these two sites look like one.
    ['https://a.co.uk', 'https://b.co.uk', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(isCrossSite(a, b)).toBe(expected)
    expect(isCrossSite(b, a)).toBe(expected)
  })
})
