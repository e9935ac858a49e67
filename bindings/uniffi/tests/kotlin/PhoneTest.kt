package dev.practicetext.ffi.test

import dev.practicetext.ffi.Phone
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.parsePhone
import dev.practicetext.ffi.parsePhones
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Phone numbers from Kotlin (SPEC N1, N2), one at a time and in batches. */
class PhoneTest {
    @Test
    fun n1CommonWrittenFormsBecomeE164() {
        for (written in listOf("(650) 253-0000", "650.253.0000", "+1 650 253 0000", "1-650-253-0000")) {
            assertEquals(Phone("+16502530000", "US"), parsePhone(written), written)
        }
        assertEquals("CA", parsePhone("1-416-253-0000").region)
        assertEquals("TOLL_FREE", parsePhone("800-253-0000").region)
    }

    @Test
    fun n2RefusalsThrowPhoneExceptionsWithTheCoreCode() {
        val cases = mapOf(
            "+44 20 7946 0958" to "not_north_american",
            "+1 876 555 1234" to "not_us_or_canada",
            "911-253-0000" to "invalid_area_code",
            "253-0000" to "too_short",
            "650 555 0123" to "fictional_number",
            "call me" to "not_a_number",
            "" to "empty",
        )
        for ((written, code) in cases) {
            val e = assertThrows(PracticetextException.Phone::class.java) { parsePhone(written) }
            assertEquals(code, e.code, written)
            assertTrue(e.detail.isNotEmpty())
        }
    }

    @Test
    fun n1N2BatchKeepsOrderAndGivesRefusalsAsResults() {
        val out = parsePhones(listOf("650.253.0000", "911", "+44 20 7946 0958", "416-253-0000"))
        assertEquals("+16502530000", out[0].phone?.e164)
        assertNull(out[0].code)
        assertEquals("too_short", out[1].code)
        assertNull(out[1].phone)
        assertEquals("not_north_american", out[2].code)
        assertEquals("CA", out[3].phone?.region)
    }

    @Test
    fun aBatchOf100000Numbers() {
        val out = parsePhones(List(100_000) { "(650) 253-0000" })
        assertEquals(100_000, out.size)
        assertEquals("+16502530000", out.last().phone?.e164)
    }
}
