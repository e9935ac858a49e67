package dev.practicetext.ffi.test

import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.replayScenario
import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/**
 * Every JSON scenario in tests/scenarios runs through the Kotlin binding,
 * and this class checks each step's expectation itself (SPEC R1-R7, A1-A5,
 * C1-C7, X4, V10: the rules the fixtures name).
 */
class ScenarioTest {
    private val dir = File(System.getProperty("practicetext.scenarios", "tests/scenarios"))
    private val files = (dir.listFiles { f -> f.name.endsWith(".json") } ?: emptyArray()).sortedBy { it.name }

    @Test
    fun theFixturesAreAllThere() {
        assertTrue(files.size >= 51, "${files.size} scenarios in ${dir.absolutePath}")
    }

    @TestFactory
    fun everyScenarioMatchesItsExpectations(): List<DynamicTest> = files.map { file ->
        DynamicTest.dynamicTest(file.nameWithoutExtension) {
            val text = file.readText()
            val scenario = Json.obj(Json.parse(text))
            assertTrue(Json.arr(scenario["rules"]).isNotEmpty(), "names no SPEC rule")
            val events = Json.arr(scenario["events"])
            val steps = Json.arr(Json.parse(replayScenario(text)))
            assertEquals(events.size, steps.size)
            for ((i, event) in events.withIndex()) {
                val e = Json.obj(event)
                if (!e.containsKey("expect")) continue
                val step = Json.obj(steps[i])
                val mismatch = partialMatch(e["expect"], step["actual"])
                assertNull(mismatch, "${scenario["name"]} step $i: $mismatch")
                // The Rust runner judged the same step the same way.
                assertNull(step["mismatch"])
            }
        }
    }

    @Test
    fun aBrokenExpectationFailsHereToo() {
        val text = File(dir, "c1_stop_with_punctuation_opts_out.json").readText()
        val expect = Json.obj(Json.obj(Json.arr(Json.obj(Json.parse(text))["events"])[0])["expect"])
        val actual = Json.obj(Json.arr(Json.parse(replayScenario(text)))[0])["actual"]
        assertNull(partialMatch(expect, actual))
        assertNotNull(partialMatch(expect + ("sent" to emptyList<Any?>()), actual))
    }

    @Test
    fun partialMatchSemantics() {
        val actual = Json.parse("""{"a": 1, "b": {"c": [1, 2], "d": "x"}, "t": true}""")
        assertNull(partialMatch(Json.parse("""{"b": {"d": "x"}}"""), actual))
        assertNotNull(partialMatch(Json.parse("""{"b": {"c": [1]}}"""), actual))
        assertNull(partialMatch(Json.parse("""{"z": null}"""), actual))
        assertNotNull(partialMatch(Json.parse("""{"z": 1}"""), actual))
        assertNotNull(partialMatch(Json.parse("""{"t": 1}"""), actual))
        assertNotNull(partialMatch(Json.parse("""{"a": null}"""), actual))
    }

    @Test
    fun aMalformedScenarioIsRefusedWithACode() {
        val e = assertThrows(PracticetextException.Scenario::class.java) {
            replayScenario("""{"name": "x", "directory": "nowhere", "events": []}""")
        }
        assertEquals("invalid_scenario", e.code)
        val bad = assertThrows(PracticetextException.Input::class.java) { replayScenario("{") }
        assertEquals("bad_input", bad.code)
    }
}
