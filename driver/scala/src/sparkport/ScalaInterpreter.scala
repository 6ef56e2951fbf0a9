package sparkport

import java.io.{File, OutputStreamWriter, PrintStream, PrintWriter}
import java.net.URLClassLoader
import java.nio.charset.StandardCharsets.UTF_8
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.ReentrantLock

import org.apache.spark.sql.SparkSession

import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.{IMain, Results}
import scala.tools.nsc.interpreter.shell.{Accumulator, ReplCompletion}

/**
 * A Scala 2.13 interpreter bound to an existing SparkSession, driven by the Python driver
 * over py4j. Every entry point returns JSON text (one py4j round trip, no Java objects to
 * walk from Python).
 *
 * The compiler writes the classes of each line into `spark.repl.class.outputDir`, the
 * directory the SparkContext serves to executors, so closures and case classes defined
 * here work in tasks. That setting must exist before the context starts: the server
 * always passes it.
 *
 * Calls are serialised by one lock: the compiler is not thread-safe, and completion may
 * arrive while a statement runs.
 *
 * `shared` is the session's shared maps, served by the Python driver through `sharedBridge`
 * (null: `shared` exists but every call fails).
 */
final class ScalaInterpreter(session: SparkSession, sharedBridge: SharedBridge) {
  def this(session: SparkSession) = this(session, null)

  private val lock = new ReentrantLock()
  private val capture = new CaptureBuffer
  private val console = new PrintStream(capture, true, UTF_8)
  private val writer = new PrintWriter(new OutputStreamWriter(capture, UTF_8), true)

  val outputDir: File = {
    val conf = session.sparkContext.getConf
    val dir = conf.getOption("spark.repl.class.outputDir")
      .map(new File(_))
      .getOrElse(java.nio.file.Files.createTempDirectory("sparkport-repl-").toFile)
    dir.mkdirs()
    dir
  }

  private val settings = {
    val s = new Settings()
    s.processArguments(List("-Yrepl-class-based", "-Yrepl-outdir", outputDir.getAbsolutePath), processAll = true)
    s.usejavacp.value = true
    // The launcher's class path has Spark; jars added with --jars (this helper, users' jars)
    // live in Spark's own class loader and must be on the compiler's class path too.
    s.classpath.value = loaderClassPath(getClass.getClassLoader).mkString(File.pathSeparator)
    s.embeddedDefaults(getClass.getClassLoader)
    s
  }
  private val reporter = new CapturingReporter(settings, writer)
  private val intp: IMain = withContextLoader(start())
  private lazy val completer = new ReplCompletion(intp, new Accumulator)

  private val runnerLock = new Object
  private var runner: Thread = null

  private def start(): IMain = {
    val i = new IMain(settings, reporter)
    i.initializeCompiler()
    // Livy's bindings and imports; @transient keeps the session out of serialised closures.
    val setup = Seq(
      () => i.bind("spark", session.getClass.getName, session, List("@transient")),
      () => i.bind("sc", "org.apache.spark.SparkContext", session.sparkContext, List("@transient")),
      () => i.bind("shared", "sparkport.SharedMaps", new SharedMaps(sharedBridge), List("@transient")),
      () => i.interpret(
        """import org.apache.spark.SparkContext._
          |import spark.implicits._
          |import spark.sql
          |import org.apache.spark.sql.functions._""".stripMargin),
    )
    capture.reset(1 << 20)
    reporter.clear()
    for (step <- setup) {
      val result = Console.withOut(console)(Console.withErr(console)(reporter.withoutPrintingResults(step())))
      if (result != Results.Success) {
        val detail = reporter.errors.map(_.message) ++ reporter.failure ++ Seq(capture.finish()._1.trim).filter(_.nonEmpty)
        i.close()
        throw new IllegalStateException(s"the Scala interpreter could not bind spark and sc: ${detail.mkString("; ")}")
      }
    }
    capture.reset(0)
    i
  }

  /** Starts capturing a statement's output; up to maxBytes are kept. */
  def begin(maxBytes: Int): Unit = capture.reset(maxBytes)

  /** Complete lines printed since the last call (for live output). */
  def drain(): String = capture.drainLines()

  /** Ends the statement: {"text": all output, "rest": what drain() has not returned, "overflow"}. */
  def end(): String = {
    val (all, rest, overflow) = capture.finish()
    Json.render(Json.obj("text" -> Json.Str(all), "rest" -> Json.Str(rest), "overflow" -> Json.Bool(overflow)))
  }

  /**
   * Interprets code whose first line is line `firstLine` of the user's statement.
   * {"status":"ok"} or {"status":"error","ename","evalue","traceback"}.
   */
  def run(code: String, firstLine: Int): String = exclusive {
    Json.render(runStatements(code, firstLine - 1))
  }

  /** %json / %table: evaluates expr (on line `line`) and converts its value; at most `rows` rows. */
  def magic(name: String, expr: String, rows: Int, line: Int): String = exclusive {
    MagicSlot.take()
    // The expression sits alone on the wrapper's second line, so errors point at the user's line.
    val outcome = interpret(s"_root_.sparkport.MagicSlot.put(\n$expr\n)", line - 2)
    if (outcome != Ok) Json.render(outcome)
    else {
      val value = MagicSlot.take()
      val rendered: Either[Json, (String, Json, Boolean)] =
        try name match {
          case "json" =>
            val (j, truncated) = ValueJson.limited(value, rows)
            Right(("application/json", j, truncated))
          case "table" =>
            val (t, truncated) = Tables.build(value, rows)
            Right(("application/vnd.livy.table.v1+json", t, truncated))
          case other => Left(failure("UnknownMagic", s"unknown magic command '$other'", Nil))
        } catch {
          case _: TableTypeError => Left(failure("TypeError", "table rows have different types", Nil))
          case e: ConversionError => Left(failure("ValueError", s"%$name: ${e.getMessage}", Nil))
          case e: Exception => Left(exceptionOutput(e))
        }
      Json.render(rendered match {
        case Left(error) => error
        case Right((mime, j, truncated)) =>
          Json.obj("status" -> Json.Str("ok"), "data" -> Json.obj(mime -> j), "truncated" -> Json.Bool(truncated))
      })
    }
  }

  /** Completion candidates for the identifier before `cursor`; none when the interpreter is busy. */
  def complete(code: String, cursor: Int): Array[String] = {
    if (!lock.tryLock(2, TimeUnit.SECONDS)) return Array.empty
    try withContextLoader {
      val result = completer.complete(code, math.max(0, math.min(cursor, code.length)))
      result.candidates.map(_.name).filter(n => n.nonEmpty && !n.contains('$')).distinct.sorted.toArray
    } catch {
      case _: Exception => Array.empty
    } finally lock.unlock()
  }

  /**
   * Interrupts the thread running a statement, if one runs. Stops Thread.sleep, waits on Spark
   * jobs and blocking I/O; code that never checks for interrupts keeps running.
   */
  def interrupt(): Boolean = runnerLock.synchronized {
    if (runner == null) false
    else {
      runner.interrupt()
      true
    }
  }

  def close(): Unit = exclusive(intp.close())

  // ---- internals ---------------------------------------------------------------------------

  private val Ok = Json.obj("status" -> Json.Str("ok"))

  /** Parses the whole block first (a block that does not parse runs nothing), then runs it
   *  statement by statement, stopping at the first failure. */
  private def runStatements(code: String, lineShift: Int): Json = {
    reporter.clear()
    val parsed = Console.withOut(console)(Console.withErr(console)(intp.parse(code)))
    parsed match {
      case Left(Results.Incomplete) => failure("Error", "incomplete statement", Nil)
      case Left(_) if reporter.errors.nonEmpty => compileErrors(lineShift)
      case Left(_) => failure("Error", "the statement could not be parsed", Nil)
      case Right((trees, _, _)) if !trees.forall(_.pos.isRange) => interpret(code, lineShift)
      case Right((trees, _, _)) =>
        val spans = trees.map(t => Statements.Span(t.pos.start, t.pos.end, isInert(t)))
        val pieces = Statements.split(code, spans).iterator
        var outcome: Json = Ok
        while (outcome == Ok && pieces.hasNext) {
          val piece = pieces.next()
          if (Thread.currentThread().isInterrupted) {
            outcome = failure("java.lang.InterruptedException", "java.lang.InterruptedException: statement interrupted", Nil)
          } else {
            outcome = interpret(piece.text, lineShift + Statements.lineOf(code, piece.offset) - 1)
          }
        }
        outcome
    }
  }

  private def isInert(tree: scala.reflect.internal.Trees#Tree): Boolean = tree match {
    case _: scala.reflect.internal.Trees#ImplDef | _: scala.reflect.internal.Trees#DefDef |
        _: scala.reflect.internal.Trees#TypeDef | _: scala.reflect.internal.Trees#Import => true
    case _ => false
  }

  private def interpret(code: String, lineShift: Int): Json = {
    reporter.clear()
    val result = Console.withOut(console)(Console.withErr(console)(intp.interpret(code)))
    console.flush()
    writer.flush()
    result match {
      case Results.Success => Ok
      case Results.Incomplete => failure("Error", "incomplete statement", Nil)
      case _ if reporter.errors.nonEmpty => compileErrors(lineShift)
      case _ if reporter.failure.isDefined => traceOutput(reporter.failure.get)
      case _ => failure("Error", "the statement failed", Nil)
    }
  }

  private def compileErrors(lineShift: Int): Json = {
    val lines = reporter.errors.toList.flatMap { d =>
      val where = if (d.line > 0) s"<console>:${d.line + lineShift}: " else ""
      val header = s"${where}error: ${d.message}"
      val caret = if (d.lineContent.trim.nonEmpty) Seq(d.lineContent.stripLineEnd, " " * math.max(0, d.column - 1) + "^") else Nil
      (header.split('\n').toSeq ++ caret).map(_ + "\n")
    }
    failure("Error", lines.head.stripLineEnd, lines.tail)
  }

  /** An exception from user code, formatted by the interpreter: "cls: message" then frames. */
  private def traceOutput(trace: String): Json = {
    val lines = trace.split('\n').toSeq.filter(_.nonEmpty)
    val first = lines.headOption.getOrElse("Error")
    val ename = """^([\p{L}_$][\p{L}\p{N}_$.]*)(?::|$)""".r.findFirstMatchIn(first).map(_.group(1)).getOrElse("Error")
    failure(ename, first, lines.drop(1).map(_ + "\n"))
  }

  private def exceptionOutput(e: Throwable): Json = {
    val frames = e.getStackTrace.toSeq.take(60).map(f => s"  at $f\n")
    failure(e.getClass.getName, e.toString, frames)
  }

  private def failure(ename: String, evalue: String, traceback: Seq[String]): Json =
    Json.obj(
      "status" -> Json.Str("error"),
      "ename" -> Json.Str(ename),
      "evalue" -> Json.Str(evalue),
      "traceback" -> Json.strings(traceback),
    )

  /** One caller at a time; the calling thread is the one `interrupt` stops. */
  private def exclusive[T](body: => T): T = {
    lock.lock()
    try {
      runnerLock.synchronized { runner = Thread.currentThread() }
      try withContextLoader(body)
      finally runnerLock.synchronized {
        runner = null
        Thread.interrupted() // a late interrupt must not hit the next call on this py4j thread
      }
    } finally lock.unlock()
  }

  /** py4j threads carry Spark's class loader; the interpreter swaps in its own while it runs. */
  private def withContextLoader[T](body: => T): T = {
    val thread = Thread.currentThread()
    val saved = thread.getContextClassLoader
    try body
    finally thread.setContextClassLoader(saved)
  }

  private def loaderClassPath(loader: ClassLoader): Seq[String] = {
    val system = ClassLoader.getSystemClassLoader
    Iterator.iterate(loader)(_.getParent)
      .takeWhile(l => l != null && l != system)
      .collect { case u: URLClassLoader => u.getURLs.toSeq }
      .flatten
      .filter(_.getProtocol == "file")
      .map(u => new File(u.toURI).getAbsolutePath)
      .toSeq
      .distinct
  }
}
