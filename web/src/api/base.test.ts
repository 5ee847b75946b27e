import { describe, expect, it } from 'vitest'
import { apiCredentials, apiUrl, normalizeBase, socketUrl } from './base'

describe('API base', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['  ', ''],
    ['https://chat.example.com', 'https://chat.example.com'],
    ['https://chat.example.com/', 'https://chat.example.com'],
    [' http://127.0.0.1:8787// ', 'http://127.0.0.1:8787'],
  ])('normalizes %j to %j', (base, expected) => {
    expect(normalizeBase(base)).toBe(expected)
  })

  it.each([
    ['', '/chat/list/', 'same-origin'],
    ['https://chat.example.com', 'https://chat.example.com/chat/list/', 'include'],
  ])('with base %j calls %s and sends cookies %s', (base, url, credentials) => {
    expect(apiUrl('/chat/list/', base)).toBe(url)
    expect(apiCredentials(base)).toBe(credentials)
  })

  it.each([
    ['', 'http://localhost:5173', 'ws://localhost:5173/ws/chat/3/?token=t'],
    ['', 'https://chat.example.com', 'wss://chat.example.com/ws/chat/3/?token=t'],
    ['http://127.0.0.1:8787', 'http://localhost:5173', 'ws://127.0.0.1:8787/ws/chat/3/?token=t'],
    ['https://api.example.com', 'https://app.example.net', 'wss://api.example.com/ws/chat/3/?token=t'],
  ])('with base %j on page %s opens sockets at %s', (base, page, expected) => {
    expect(socketUrl('/ws/chat/3/?token=t', base, page)).toBe(expected)
  })
})
