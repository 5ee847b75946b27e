import { describe, expect, it } from 'vitest'
import { FRAME_BURST, FRAMES_PER_SECOND } from '../../../protocol/socket'
import { fullBucket, takeToken, type FloodBucket } from './sockets'

function drain(bucket: FloodBucket, frames: number, nowMs: number) {
  let verdict = 'allow'
  for (let i = 0; i < frames; i++) ({ bucket, verdict } = takeToken(bucket, nowMs))
  return { bucket, verdict }
}

describe('takeToken', () => {
  it('allows a burst of FRAME_BURST frames, then refuses', () => {
    const { bucket, verdict } = drain(fullBucket(0), FRAME_BURST, 0)
    expect(verdict).toBe('allow')
    expect(takeToken(bucket, 0).verdict).toBe('refuse')
  })

  it('refills at FRAMES_PER_SECOND', () => {
    const { bucket } = drain(fullBucket(0), FRAME_BURST, 0)
    expect(takeToken(bucket, 1000 / FRAMES_PER_SECOND).verdict).toBe('allow')
  })

  it('closes after FRAME_BURST refusals in a row', () => {
    const { bucket } = drain(fullBucket(0), FRAME_BURST * 2, 0)
    expect(takeToken(bucket, 0).verdict).toBe('close')
  })
})

describe('takeToken under a sustained flood', () => {
  it('still closes when refills let a frame through now and then', () => {
    let bucket = fullBucket(0)
    let verdict = 'allow'
    for (let i = 0; i < 1000 && verdict !== 'close'; i++) ({ bucket, verdict } = takeToken(bucket, i))
    expect(verdict).toBe('close')
  })
})
