// Shared helpers: the binding, the scenario fixtures and a partial JSON
// match with the same semantics as the Rust runner's scenario::partial_match.
import { createRequire } from 'node:module'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
export const pt = require('../practicetext.js')

const here = dirname(fileURLToPath(import.meta.url))
export const SCENARIOS = join(here, '..', '..', '..', 'tests', 'scenarios')
export const ORG = 'happy-paws'

export function scenarioPaths() {
  return readdirSync(SCENARIOS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(SCENARIOS, f))
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * null when `actual` holds everything `expected` names, else the first path
 * that differs. Objects match on the keys the expectation names (an expected
 * null also matches a missing key); arrays need the same length and match
 * element by element; scalars must be equal (no coercion).
 */
export function partialMatch(expected, actual, path = '$') {
  if (isObject(expected) && isObject(actual)) {
    for (const [key, ev] of Object.entries(expected)) {
      const p = `${path}.${key}`
      if (Object.hasOwn(actual, key)) {
        const found = partialMatch(ev, actual[key], p)
        if (found) return found
      } else if (ev !== null) {
        return `${p}: missing (expected ${JSON.stringify(ev)})`
      }
    }
    return null
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path}: expected ${expected.length} items, got ${actual.length}`
    }
    for (let i = 0; i < expected.length; i++) {
      const found = partialMatch(expected[i], actual[i], `${path}[${i}]`)
      if (found) return found
    }
    return null
  }
  if (isObject(expected) || isObject(actual) || Array.isArray(expected) || Array.isArray(actual)) {
    return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
  }
  return expected === actual ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}

export async function samplePractice(host) {
  const p = new pt.Practice('memory', host)
  await p.putDirectory(pt.sampleDirectory())
  return p
}

export function postgresUrl() {
  const url = process.env.PRACTICETEXT_PG_URL
  if (!url) {
    throw new Error('PRACTICETEXT_PG_URL is not set: run under scripts/with-postgres.sh (make node-test does)')
  }
  return url
}
