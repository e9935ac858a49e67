package dev.practicetext.ffi.test

/**
 * null when [actual] holds everything [expected] names, else the first path
 * that differs: the semantics of the Rust runner's scenario::partial_match.
 * Objects match on the keys the expectation names (an expected null also
 * matches a missing key); arrays need the same length and match element by
 * element; scalars must be equal.
 */
fun partialMatch(expected: Any?, actual: Any?, path: String = "$"): String? {
    if (expected is Map<*, *> && actual is Map<*, *>) {
        for ((k, ev) in expected) {
            val p = "$path.$k"
            if (actual.containsKey(k)) {
                partialMatch(ev, actual[k], p)?.let { return it }
            } else if (ev != null) {
                return "$p: missing (expected ${Json.write(ev)})"
            }
        }
        return null
    }
    if (expected is List<*> && actual is List<*>) {
        if (expected.size != actual.size) return "$path: expected ${expected.size} items, got ${actual.size}"
        for (i in expected.indices) partialMatch(expected[i], actual[i], "$path[$i]")?.let { return it }
        return null
    }
    return if (expected == actual) null else "$path: expected ${Json.write(expected)}, got ${Json.write(actual)}"
}
