// Every error carries the library's code and its area: err.code is the
// stable code, err.area the part of the library that refused ("phone",
// "broadcast", ...), for sync throws and Promise rejections alike.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { ORG, pt, samplePractice } from './helpers.mjs'

const dupUser = () => {
  const d = pt.sampleDirectory()
  d.users[1].username = 'alice'
  return d
}

const cases = [
  ['phone', 'too_short', () => pt.parsePhone('911')],
  ['phone', 'too_short', () => pt._parsePhoneInto('911', new Uint8Array(1))],
  ['text', 'invalid_policy', () => new pt.Checker({ cannabis_terms: ['!'] })],
  ['store', 'invalid_store_spec', () => new pt.Practice('mysql://x')],
  ['input', 'invalid_argument', () => pt.countSegments(null)],
  ['input', 'invalid_unicode', () => pt.classifyKeyword('\ud800')],
  ['directory', 'duplicate_user', (p) => p.putDirectory(dupUser())],
  ['engine', 'unknown_number', (p) => p.handleInbound({ from: '+14162530000', to: '+16502539999', body: 'hi' })],
  ['inbox', 'conversation_not_found', (p) => p.messages({ organization: ORG, conversation: 'nope' })],
  ['scenario', 'invalid_scenario', () => pt.replayScenario({ name: 'x', directory: 'nowhere', events: [] })],
  [
    'broadcast',
    'broadcast_refused',
    (p) => p.broadcastPreflight({ request: { organization: ORG, sender: 'bob', range: { preset: 'rest_of_today' }, message: 'x' } }),
  ],
  ['broadcast', 'broadcast_not_found', (p) => p.broadcastReport({ organization: ORG, broadcast: 'nope' })],
  [
    'host',
    'host_clock_failed',
    async () => {
      const p = await pt.Practice.open('memory', {
        now: () => {
          throw new Error('clock down')
        },
      })
      await p.putDirectory(pt.sampleDirectory())
      return p.login({ organization: ORG, user: 'bob' })
    },
  ],
]

for (const [area, code, call] of cases) {
  test(`${area}: ${code} carries err.code and err.area`, async () => {
    const p = await samplePractice()
    await assert.rejects(
      async () => call(p),
      (e) => e instanceof Error && e.code === code && e.area === area && typeof e.message === 'string',
    )
  })
}
