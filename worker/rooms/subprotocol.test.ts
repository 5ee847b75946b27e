import { describe, expect, it } from 'vitest'
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from '../../protocol/socket'
import { AppError } from '../errors'
import { chooseSubprotocol } from './subprotocol'

function outcome(header: string | null, supported?: readonly string[]): string | null {
  try {
    return supported ? chooseSubprotocol(header, supported) : chooseSubprotocol(header)
  } catch (err) {
    return err instanceof AppError ? err.code : 'thrown'
  }
}

const V1 = SUBPROTOCOL
const V2 = SUBPROTOCOL_V2

describe('chooseSubprotocol', () => {
  const OFFERS: [string | null, string | null][] = [
    [null, null],
    ['', null],
    ['   ', null],
    [' , ,', null],
    [V1, V1],
    [`foo, ${V1}`, V1],
    [`${V1},foo`, V1],
    [`  ${V1}  `, V1],
    [V2, V2],
    [`${V2}, ${V1}`, V2],
    [`${V1}, ${V2}`, V1],
    [`edge-chat.v3, ${V2}`, V2],
    [`edge-chat.v3, ${V2}, ${V1}`, V2],
    [`foo, ${V1}, ${V2}`, V1],
    [` ,${V2},`, V2],
    ['foo', 'invalid_request'],
    ['foo, bar', 'invalid_request'],
    ['EDGE-CHAT.V1', 'invalid_request'],
    ['EDGE-CHAT.V2', 'invalid_request'],
    ['edge-chat.v3', 'invalid_request'],
    [`${V1}x`, 'invalid_request'],
    [`${V2}x`, 'invalid_request'],
  ]
  it("selects the client's most preferred of edge-chat.v2 and v1, null for no offer, and refuses only unknown names", () => {
    expect(OFFERS.map(([header]) => [header, outcome(header)])).toEqual(OFFERS)
  })

  // The live channel speaks only v1 (`live/upgrade.ts`): v2 is an unknown name there.
  const CHANNEL_OFFERS: [string | null, string | null][] = [
    [null, null],
    [V1, V1],
    [`${V2}, ${V1}`, V1],
    [`${V1}, ${V2}`, V1],
    [V2, 'invalid_request'],
  ]
  it('chooses only among the names it is given', () => {
    expect(CHANNEL_OFFERS.map(([header]) => [header, outcome(header, [V1])])).toEqual(CHANNEL_OFFERS)
  })
})
