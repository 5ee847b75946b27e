import { describe, expect, it } from 'vitest'
import { parseShardName, shardCountFor, shardName, shardOf } from './plan'

describe('shard names', () => {
  const NAMES: [string, { chatId: number; index: number } | null][] = [
    ['7:0', { chatId: 7, index: 0 }],
    ['123:31', { chatId: 123, index: 31 }],
    ['07:0', null],
    ['7:01', null],
    ['-7:0', null],
    ['7:-1', null],
    ['7', null],
    ['7:0:1', null],
    [':0', null],
    ['7:', null],
    ['0:0', null],
    ['7.5:0', null],
    [' 7:0', null],
    ['99999999999999999:0', null],
  ]
  it('parses exactly what shardName writes', () => {
    expect(NAMES.map(([name]) => [name, parseShardName(name)])).toEqual(NAMES)
    expect(parseShardName(shardName(42, 3))).toEqual({ chatId: 42, index: 3 })
  })
})

describe('shardCountFor', () => {
  // [members, members per shard, current count, expected]
  const PLANS: [number, number, number, number][] = [
    [0, 2000, 0, 0],
    [2000, 2000, 0, 0],
    [2001, 2000, 0, 2],
    [4000, 2000, 0, 2],
    [4001, 2000, 0, 3],
    [100_000, 2000, 0, 50],
    [10, 2000, 4, 4],
    [5000, 2000, 4, 4],
    [9000, 2000, 4, 5],
    [3, 1, 0, 3],
  ]
  it('is 0 up to one shard\'s worth of members, then ⌈members / per shard⌉, never below the current count', () => {
    expect(PLANS.map(([m, per, current]) => [m, per, current, shardCountFor(m, per, current)])).toEqual(PLANS)
  })

  it('spreads sequential user ids evenly', () => {
    const counts = [0, 0, 0, 0]
    for (let id = 1; id <= 400; id++) counts[shardOf(id, 4)]! += 1
    expect(counts).toEqual([100, 100, 100, 100])
  })
})
