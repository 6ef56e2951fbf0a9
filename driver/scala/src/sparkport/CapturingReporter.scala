package sparkport

import java.io.PrintWriter

import scala.collection.mutable.ListBuffer
import scala.reflect.internal.util.{CodeAction, Position}
import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.shell.ReplReporterImpl

/** One compile error, with its line in the user's statement. */
final case class Diagnostic(line: Int, column: Int, message: String, lineContent: String)

/**
 * The interpreter's reporter: compile errors and thrown exceptions are recorded (they become
 * error outputs) instead of printed; echoes and warnings go to `out`, the statement's capture.
 */
final class CapturingReporter(settings: Settings, out: PrintWriter) extends ReplReporterImpl(settings, out) {
  val errors = ListBuffer[Diagnostic]()
  /** The stack trace the interpreter formatted for an exception thrown by user code. */
  var failure: Option[String] = None

  def clear(): Unit = {
    errors.clear()
    failure = None
  }

  override def doReport(pos: Position, msg: String, severity: Severity, actions: List[CodeAction]): Unit =
    if (severity == ERROR) {
      if (pos.isDefined) errors += Diagnostic(pos.line, pos.column, msg, pos.lineContent)
      else errors += Diagnostic(0, 0, msg, "")
    } else if (!isSummary(pos, msg)) super.doReport(pos, msg, severity, actions)

  // "1 deprecation (since 2.13.3); for details, enable `:setting -deprecation`": the advice
  // names shell commands this interpreter does not have, and Scala 2.13 says it for very
  // common Spark code (`rdd.count` without parentheses), so these summaries are left out.
  private def isSummary(pos: Position, msg: String): Boolean =
    !pos.isDefined && msg.contains("for details, enable `:setting")

  override def printResult(result: Either[String, String]): Unit = result match {
    case Left(trace) => failure = Some(trace)
    case Right(text) =>
      if (text.nonEmpty && printResults) {
        out.print(Echo.livyStyle(text))
        if (!text.endsWith("\n")) out.print('\n')
        out.flush()
      }
  }
}

/** The interpreter's echo, as Livy's clients know it. */
object Echo {
  // Scala 2.13 echoes `val res0: Int = 2`; Livy (Scala 2.11/2.12) printed `res0: Int = 2`.
  private val ValueEcho = """(?m)^(?:val|var|lazy val) (?=\S+: )""".r

  def livyStyle(text: String): String = ValueEcho.replaceAllIn(text, "")
}
