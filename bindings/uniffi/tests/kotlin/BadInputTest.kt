package dev.practicetext.ffi.test

import dev.practicetext.ffi.Practice
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.checkRecipient
import dev.practicetext.ffi.classifyKeyword
import dev.practicetext.ffi.countSegments
import dev.practicetext.ffi.parsePhone
import dev.practicetext.ffi.sampleDirectory
import java.nio.charset.CharacterCodingException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Bad input from Kotlin never crashes. Kotlin's types keep null and wrong
 * types out at compile time; what remains (malformed JSON, JSON null, wrong
 * JSON types, negative numbers, huge strings) throws a PracticetextException
 * with a code, and a lone surrogate is refused by the generated code's
 * strict UTF-8 encoder before it reaches the library.
 */
class BadInputTest {
    private fun practice() = Practice("memory").also { it.putDirectory(sampleDirectory()) }

    @Test
    fun jsonRequestsRefuseBadShapesWithCodes() {
        practice().use { p ->
            for (request in listOf(
                "null",
                "[]",
                "42",
                "{not json",
                """{"from": null, "to": "+16502530001", "body": "x"}""",
                """{"from": "+14162530000", "to": "+16502530001"}""",
                """{"from": "+14162530000", "to": "+16502530001", "body": "x", "media_count": -1}""",
                """{"from": "+14162530000", "to": "+16502530001", "body": "lone \ud800"}""",
            )) {
                val e = assertThrows(PracticetextException.Input::class.java, { p.handleInbound(request) }, request)
                assertEquals("bad_input", e.code, request)
            }
        }
    }

    @Test
    fun badInputMessagesDoNotEchoPatientData() {
        practice().use { p ->
            val e = assertThrows(PracticetextException.Input::class.java) {
                p.handleInbound("""{"from": "+14162530000", "to": "+44 20 7946 0958", "body": "x"}""")
            }
            assertFalse(e.detail.contains("7946"), e.detail)
            assertTrue(e.detail.contains("not_north_american"), e.detail)
        }
        assertEquals("bad_input", assertThrows(PracticetextException.Input::class.java) { checkRecipient("null") }.code)
    }

    @Test
    fun loneSurrogatesAreRefusedBeforeTheCall() {
        assertThrows(CharacterCodingException::class.java) { parsePhone("650\ud800253") }
        assertThrows(CharacterCodingException::class.java) { countSegments("\udfff") }
        // A well-formed pair is fine.
        assertEquals(2u, countSegments("\ud83d\udc36").units)
    }

    @Test
    fun hugeStringsAreAnsweredNotCrashed() {
        val huge = "a".repeat(10_000_000)
        assertEquals("too_long", assertThrows(PracticetextException.Phone::class.java) { parsePhone(huge) }.code)
        assertTrue(countSegments(huge).segments > 60_000u)
        assertEquals("none", classifyKeyword(huge).action)
    }

    @Test
    fun storeSpecErrors() {
        assertEquals("invalid_store_spec", assertThrows(PracticetextException.Store::class.java) { Practice("mysql://x") }.code)
        assertEquals("store_not_supported", assertThrows(PracticetextException.Store::class.java) { Practice("postgresql://u@h/db") }.code)
        assertEquals("store_open_failed", assertThrows(PracticetextException.Store::class.java) { Practice("sqlite:/nonexistent-dir/x/y.db") }.code)
    }

    @Test
    fun broadcastRequestsRefuseNegativeNumbersAndWrongTypes() {
        val request = """{"organization": "happy-paws", "sender": "alice", "range": {"preset": "whole_days", "first_day": "2026-11-24", "days": 1}, "message": "x""""
        practice().use { p ->
            for (bad in listOf(
                """{"request": $request, "pace": -5}}""",
                """{"request": {"organization": "happy-paws", "sender": "alice", "range": {"preset": "whole_days", "first_day": "2026-11-24", "days": -1}, "message": "x"}}""",
                """{"request": $request}, "clients": "everyone"}""",
                """{"request": $request}, "appointments": [{"id": "a", "client": "c", "starts_at": 5}]}""",
            )) {
                assertEquals("bad_input", assertThrows(PracticetextException.Input::class.java, { p.broadcastPreflight(bad) }, bad).code, bad)
            }
            for (bad in listOf(
                """{"organization": "happy-paws", "broadcast": "b", "max_steps": -1}""",
                """{"organization": "happy-paws", "broadcast": "b", "conversations_waiting": -1}""",
                """{"organization": "happy-paws", "broadcast": null}""",
            )) {
                assertEquals("bad_input", assertThrows(PracticetextException.Input::class.java, { p.broadcastRun(bad) }, bad).code, bad)
            }
        }
    }

    @Test
    fun aHugeJsonRequestIsAnswered() {
        practice().use { p ->
            val body = "a".repeat(10_000_000)
            val out = p.handleInbound("""{"from": "+14162530000", "to": "+16502530001", "body": "$body"}""")
            assertTrue(out.contains("\"outcome\":\"handled\""), out.take(200))
            assertEquals("bad_input", assertThrows(PracticetextException.Input::class.java) { p.handleInbound("[".repeat(10_000_000)) }.code)
        }
    }
}
