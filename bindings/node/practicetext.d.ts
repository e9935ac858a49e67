// Types of practicetext.js: those of the native binding (index.d.ts, generated
// by napi); countSegments and countSegmentsBatch keep their signatures.
// The names starting with an underscore are internal.
export * from './index'

/** Which part of the library refused (`err.area`). */
export type ErrorArea =
  | 'phone' | 'email' | 'directory' | 'hours' | 'engine' | 'scenario' | 'store'
  | 'webhook' | 'secure' | 'text' | 'inbox' | 'broadcast' | 'input' | 'host'

/**
 * What every call throws (or its Promise rejects with): an `Error` whose
 * `code` is the library's stable code (`invalid_area_code`, `bad_input`,
 * `confirmation_mismatch`, ...) and `area` the part of the library that
 * refused. Map errors by code, never by message.
 */
export interface PracticetextError extends Error {
  code: string
  area: ErrorArea
  /** Each reason of a refusal with several (`broadcast_refused`). */
  reasons?: { code: string; message: string }[]
}
