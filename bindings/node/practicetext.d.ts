// Types of practicetext.js: those of the native binding (index.d.ts, generated
// by napi); countSegments and countSegmentsBatch keep their signatures.
// The names starting with an underscore are internal.
export * from './index'
