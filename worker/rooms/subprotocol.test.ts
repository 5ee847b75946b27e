import { describe, expect, it } from 'vitest'
import { SUBPROTOCOL } from '../../protocol/socket'
import { AppError } from '../errors'
import { chooseSubprotocol } from './subprotocol'

function outcome(header: string | null): string | null {
  try {
    return chooseSubprotocol(header)
  } catch (err) {
    return err instanceof AppError ? err.code : 'thrown'
  }
}

describe('chooseSubprotocol', () => {
  const OFFERS: [string | null, string | null][] = [
    [null, null],
    ['', null],
    ['   ', null],
    [' , ,', null],
    [SUBPROTOCOL, SUBPROTOCOL],
    [`foo, ${SUBPROTOCOL}`, SUBPROTOCOL],
    [`${SUBPROTOCOL},foo`, SUBPROTOCOL],
    [`  ${SUBPROTOCOL}  `, SUBPROTOCOL],
    ['foo', 'invalid_request'],
    ['foo, bar', 'invalid_request'],
    ['EDGE-CHAT.V1', 'invalid_request'],
    ['edge-chat.v2', 'invalid_request'],
    [`${SUBPROTOCOL}x`, 'invalid_request'],
  ]
  it('selects edge-chat.v1 when offered, null for no offer, and refuses only unknown names', () => {
    expect(OFFERS.map(([header]) => [header, outcome(header)])).toEqual(OFFERS)
  })
})
