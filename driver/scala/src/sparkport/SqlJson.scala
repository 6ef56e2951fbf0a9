package sparkport

import java.time.{LocalDate, LocalDateTime, ZoneId, ZoneOffset}
import java.util.Base64

import org.apache.spark.TaskContext
import org.apache.spark.sql.Row
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Alias, Literal}
import org.apache.spark.sql.catalyst.plans.logical.{LocalRelation, LogicalPlan, OneRowRelation, Project}
import org.apache.spark.sql.catalyst.util.{ArrayData, MapData}
import org.apache.spark.sql.classic.Dataset
import org.apache.spark.sql.execution.{CollectLimitExec, SQLExecution, SparkPlan}
import org.apache.spark.sql.types._

/**
 * The fast path of a DataFrame's rows to JSON (`kind: sql`, and `%json` / `%table` of a
 * DataFrame in Python): one call from Python, the rows taken in Spark's internal form and written
 * straight to JSON text, with no Python object per row or cell.
 *
 * The JSON is exactly what the Python driver's outputs.to_json writes for the same rows (ISO
 * dates and local times as Python's isoformat, decimals as numbers, bytes as base64, non-finite
 * doubles as strings, structs as objects, map entries in Spark's order), because clients see
 * one format whichever path ran. A schema with a type outside that list (intervals, variants,
 * user-defined types, ...) is not taken here: `rows` answers null and Python converts as before.
 *
 * So do values nested deeper than Python converts, and timestamps when no zone the JVM knows
 * gives Python's local times (`zone` null: Python looks for one with `localTime`, and again
 * whenever its own local times change). A date or local time outside years 1 to 9999, which
 * Python's datetime cannot hold, is the statement's error (OutsidePython, which Python reports
 * as a ValueError), as it was on Python's path; the query is not run again for Python to fail
 * the same way.
 *
 * Two shortcuts keep small answers small:
 * - A query the optimizer reduced to constants over no table (`SELECT 1`, `SELECT current_date()`)
 *   is answered from the plan's literals, without a Spark job (a job is about 20 ms here).
 * - Rows are collected under the query's own SQL execution id, so the Spark UI's SQL tab and
 *   query listeners see the query as they would see `collect()`.
 */
object SqlJson {
  /**
   * `[truncated, rows]` as JSON text for the first `limit` rows of `df`, each row an array of
   * values (`asObjects` false: SQL output and %table) or an object by field name (%json); null
   * when the schema has a type this path does not convert. `zone` writes timestamps (localZone).
   */
  def rows(df: Dataset[Row], limit: Int, asObjects: Boolean, zone: String): String = {
    if (!convertible(df, zone != null)) return null
    val taken = collect(df, limit, asObjects, zone)
    val text = taken.text
    val sb = new java.lang.StringBuilder(text.length + 16)
    sb.append('[').append(taken.more).append(",[").append(text).append("]]").toString
  }

  /**
   * `kind: sql`'s whole output, `{"schema": …, "data": […]}`, after one letter, T or F, that
   * says whether rows were cut: Python passes the JSON on to the server as it is, unparsed.
   */
  def sql(df: Dataset[Row], limit: Int, zone: String): String = {
    if (!convertible(df, zone != null)) return null
    val taken = collect(df, limit, asObjects = false, zone)
    val schema = sortedKeys(df.schema.json)
    val text = taken.text
    val sb = new java.lang.StringBuilder(text.length + schema.length + 32)
    sb.append(if (taken.more) 'T' else 'F').append("{\"schema\":").append(schema).append(",\"data\":[")
    sb.append(text).append("]}").toString
  }

  /** This JVM's default zone: the first one Python compares with its own local time. */
  def defaultZone(): String = ZoneId.systemDefault().getId

  /**
   * A local time in `zone` as Python's isoformat writes it, for Python to find a zone whose local
   * times are its own. Timestamps are then written in that zone, named in each call, not in
   * whatever the JVM's default is by then: session code may move either process's zone.
   */
  def localTime(micros: Long, zone: String): String = isoformat(localTime(micros, ZoneId.of(zone)))

  // A stream has no rows to take; Python's path gives Spark's own error for that.
  private def convertible(df: Dataset[Row], localTimes: Boolean): Boolean =
    !df.isStreaming && df.schema.fields.forall(f => supported(f.dataType, localTimes, 1))

  private lazy val mapper = new com.fasterxml.jackson.databind.ObjectMapper()

  /** The schema's JSON with its keys sorted as PySpark's StructType.json() sorts them (by code point). */
  private def sortedKeys(json: String): String = mapper.writeValueAsString(sorted(mapper.readValue(json, classOf[Object])))

  private val byCodePoint: java.util.Comparator[String] = (a, b) => {
    val (x, y) = (a.codePoints.toArray, b.codePoints.toArray)
    java.util.Arrays.compare(x, y)
  }

  private def sorted(value: Object): Object = value match {
    case m: java.util.Map[_, _] =>
      val out = new java.util.TreeMap[String, Object](byCodePoint)
      m.forEach((k, v) => out.put(k.toString, sorted(v.asInstanceOf[Object])))
      out
    case l: java.util.List[_] =>
      val out = new java.util.ArrayList[Object](l.size)
      l.forEach(v => out.add(sorted(v.asInstanceOf[Object])))
      out
    case other => other
  }

  /**
   * Some rows' JSON texts, joined by commas (`ends(i)` is where row i's text ends). When the
   * row after them holds a value Python cannot make, `outside` says which: it fails the
   * statement only if that row is wanted (a task that threw would be retried, and would fail
   * for a row the answer never shows).
   */
  private final case class Part(text: String, ends: Array[Int], outside: String)

  /** The first `limit` rows' texts, joined by commas, as parts come; `more` once a row past them is seen. */
  private final class Taken(limit: Int) {
    private val sb = new java.lang.StringBuilder
    private var count = 0
    var more = false
    def text: String = sb.toString

    /** Adds the part's first `max` rows (those past `limit` only set `more`); how many that was. */
    def add(part: Part, max: Int = Int.MaxValue): Int = {
      val rows = math.min(part.ends.length, max)
      val n = math.min(rows, limit - count)
      if (rows > n) more = true
      if (n > 0) {
        if (count > 0) sb.append(',')
        sb.append(part.text, 0, part.ends(n - 1))
        count += n
      }
      // The row after the part's is wanted too, and Python could not have made it.
      if (part.outside != null && rows < max) throw new OutsidePython(part.outside)
      rows
    }
  }

  /** Up to `max` rows as JSON, stopping before the first with a value Python cannot make. */
  private def partJson(rows: Iterator[InternalRow], max: Int, schema: StructType, asObjects: Boolean, zone: ZoneId): Part = {
    val sb = new java.lang.StringBuilder(1024)
    val ends = Array.newBuilder[Int]
    var end = 0
    var n = 0
    while (n < max && rows.hasNext) {
      if (n > 0) sb.append(',')
      try writeStruct(rows.next(), schema, asObjects, zone, sb)
      catch { case e: OutsidePython => return Part(sb.substring(0, end), ends.result(), e.what) }
      end = sb.length
      ends += end
      n += 1
    }
    Part(sb.toString, ends.result(), null)
  }

  /**
   * A task's work: its partition's first `max` rows as one Part. A class of its own, not a
   * lambda: SparkContext.runJob's closure cleaner reads and walks the class file of the class
   * that defines a lambda (this object, tens of kB) on every job, and leaves alone a function
   * that is not a closure. It takes the TaskContext too: runJob wraps a function of the rows
   * alone in a lambda of its own, which is cleaned on every job.
   */
  private final class PartTask(schema: StructType, asObjects: Boolean, zone: String, max: Int)
    extends ((TaskContext, Iterator[InternalRow]) => Part) with Serializable {
    def apply(context: TaskContext, rows: Iterator[InternalRow]): Part =
      partJson(rows, max, schema, asObjects, zoneOf(zone))
  }

  /**
   * The first `limit` rows as JSON texts, and whether there are more. Where Spark would fetch
   * rows to the driver to take them, the rows are written as JSON in the tasks themselves: an
   * executor's core writes its partition's text, and one string per partition travels back
   * instead of serialised rows.
   */
  private def collect(df: Dataset[Row], limit: Int, asObjects: Boolean, zone: String): Taken = {
    val wanted = math.min(limit.toLong + 1, Int.MaxValue).toInt
    val qe = df.limit(wanted).queryExecution
    val schema = df.schema
    val taken = new Taken(limit)
    def here(rows: Array[InternalRow]): Unit = taken.add(partJson(rows.iterator, Int.MaxValue, schema, asObjects, zoneOf(zone)))
    def take(plan: SparkPlan, cap: Int, everyPartition: Boolean): Unit =
      takeInto(taken, plan, cap, everyPartition, new PartTask(schema, asObjects, zone, _))
    constants(qe.optimizedPlan) match {
      case Some(row) => here(Array(row))
      case None =>
        SQLExecution.withNewExecutionId(qe, Some("collect")) {
          qe.executedPlan match {
            // The query's own LIMIT, when it is below ours, is the one that counts.
            case c: CollectLimitExec if c.offset == 0 => take(c.child, math.min(c.limit, wanted), everyPartition = false)
            // A plan whose collect is SparkPlan's own: every partition, in one job, as
            // executeCollect reads them (no limit is left at the top when the optimizer knows
            // there are no more rows than we want).
            case plan if collectsEveryPartition(plan) => take(plan, wanted, everyPartition = true)
            case plan => here(plan.executeCollect())
          }
        }
    }
    taken
  }

  /** Whether the plan's executeCollect is SparkPlan's own (every partition's rows, in order). */
  private def collectsEveryPartition(plan: SparkPlan): Boolean =
    plan.getClass.getMethod("executeCollect").getDeclaringClass == classOf[SparkPlan]

  /**
   * Up to `cap` rows of a plan, in partition order, as SparkPlan.executeTake takes them, but
   * starting with as many partitions as the context runs at once (at most 4) rather than one:
   * a result of a few partitions then costs one job, not two. Each later round scans four
   * times as many, as Spark's do. `everyPartition` reads them all in the first round.
   */
  private def takeInto(taken: Taken, plan: SparkPlan, cap: Int, everyPartition: Boolean, task: Int => PartTask): Unit = {
    val rdd = plan.execute()
    val total = rdd.partitions.length
    val sc = plan.session.sparkContext
    var got = 0
    var scanned = 0
    // Each task may send back every row still wanted: more partitions at once means more
    // rows in the driver's memory (and against spark.driver.maxResultSize), so the first round
    // of a take stays small.
    var step = if (everyPartition) total else math.max(1, math.min(sc.defaultParallelism, 4))
    while (got < cap && scanned < total) {
      val parts = scanned until math.min(total.toLong, scanned.toLong + step).toInt
      val results = sc.runJob(rdd, task(cap - got), parts)
      // In partition order, and only while rows are wanted: a part past them is not looked at.
      results.foreach(part => if (got < cap) got += taken.add(part, cap - got))
      scanned += parts.length
      step = math.min(Int.MaxValue / 4, step) * 4
    }
  }

  /** The one row of a plan the optimizer folded to literals over no table (it drops the limit). */
  private def constants(plan: LogicalPlan): Option[InternalRow] = plan match {
    case Project(list, OneRowRelation()) =>
      val values = list.map {
        case Alias(l: Literal, _) => Some(l.value)
        case l: Literal => Some(l.value)
        case _ => None
      }
      if (values.forall(_.isDefined)) Some(InternalRow.fromSeq(values.map(_.get))) else None
    case LocalRelation(_, data, _, _) if data.length == 1 => Some(data.head)
    case _ => None
  }

  /** Python's zone for local times, the same in every task wherever it runs; none (null) when no timestamp is written here. */
  private def zoneOf(id: String): ZoneId = if (id == null) null else ZoneId.of(id)

  /** Python's outputs.MAX_DEPTH: it refuses values nested deeper, so those stay with it. */
  private val MaxDepth = 100

  private[sparkport] def supported(t: DataType, localTimes: Boolean, depth: Int): Boolean = depth <= MaxDepth && (t match {
    case NullType | BooleanType | ByteType | ShortType | IntegerType | LongType | FloatType | DoubleType => true
    case _: DecimalType | _: StringType | BinaryType | DateType | TimestampNTZType => true
    case TimestampType => localTimes
    case ArrayType(e, _) => supported(e, localTimes, depth + 1)
    case MapType(k, v, _) => keySupported(k) && supported(v, localTimes, depth + 1)
    case s: StructType => s.fields.forall(f => supported(f.dataType, localTimes, depth + 1))
    case _ => false
  })

  /** Map keys whose text is the same as Python's str() of the value PySpark would make. */
  private def keySupported(t: DataType): Boolean = t match {
    case BooleanType | ByteType | ShortType | IntegerType | LongType | DateType => true
    case _: DecimalType | _: StringType => true
    case _ => false
  }

  private def writeStruct(row: InternalRow, schema: StructType, asObject: Boolean, zone: ZoneId, sb: java.lang.StringBuilder): Unit = {
    val fields = schema.fields
    sb.append(if (asObject) '{' else '[')
    var i = 0
    while (i < fields.length) {
      if (i > 0) sb.append(',')
      if (asObject) {
        Json.quoteTo(fields(i).name, sb)
        sb.append(':')
      }
      write(row, i, fields(i).dataType, zone, sb)
      i += 1
    }
    sb.append(if (asObject) '}' else ']')
  }

  /** Structs nested in a value are always objects, as Python's Row.asDict makes them. */
  private def write(data: org.apache.spark.sql.catalyst.expressions.SpecializedGetters, i: Int, t: DataType, zone: ZoneId, sb: java.lang.StringBuilder): Unit = {
    if (data.isNullAt(i)) {
      sb.append("null")
      return
    }
    t match {
      case NullType => sb.append("null")
      case BooleanType => sb.append(data.getBoolean(i))
      case ByteType => sb.append(data.getByte(i).toInt)
      case ShortType => sb.append(data.getShort(i).toInt)
      case IntegerType => sb.append(data.getInt(i))
      case LongType => sb.append(data.getLong(i))
      case FloatType => Json.write(ValueJson.double(data.getFloat(i).toDouble), sb)
      case DoubleType => Json.write(ValueJson.double(data.getDouble(i)), sb)
      case d: DecimalType => Json.write(ValueJson.decimal(data.getDecimal(i, d.precision, d.scale).toJavaBigDecimal), sb)
      case _: StringType => Json.quoteTo(data.getUTF8String(i).toString, sb)
      case BinaryType => Json.quoteTo(Base64.getEncoder.encodeToString(data.getBinary(i)), sb)
      case DateType => Json.quoteTo(date(data.getInt(i)), sb)
      case TimestampType => Json.quoteTo(isoformat(localTime(data.getLong(i), zone)), sb)
      case TimestampNTZType => Json.quoteTo(isoformat(localTime(data.getLong(i), ZoneOffset.UTC)), sb)
      case ArrayType(e, _) =>
        val a = data.getArray(i)
        sb.append('[')
        var j = 0
        while (j < a.numElements()) {
          if (j > 0) sb.append(',')
          write(a, j, e, zone, sb)
          j += 1
        }
        sb.append(']')
      case MapType(k, v, _) => writeMap(data.getMap(i), k, v, zone, sb)
      case s: StructType => writeStruct(data.getStruct(i, s.length), s, asObject = true, zone, sb)
      case other => throw new ConversionError(s"cannot convert a value of type '${other.simpleString}' to JSON")
    }
  }

  private def writeMap(m: MapData, k: DataType, v: DataType, zone: ZoneId, sb: java.lang.StringBuilder): Unit = {
    val keys: ArrayData = m.keyArray()
    val values: ArrayData = m.valueArray()
    // Python builds a dict: a key met again replaces the value but keeps its first place.
    val order = new java.util.LinkedHashMap[String, Int]()
    var j = 0
    while (j < m.numElements()) {
      order.put(keyText(keys, j, k), j)
      j += 1
    }
    sb.append('{')
    var first = true
    order.forEach { (key, at) =>
      if (!first) sb.append(',')
      first = false
      Json.quoteTo(key, sb)
      sb.append(':')
      write(values, at, v, zone, sb)
    }
    sb.append('}')
  }

  private def keyText(keys: ArrayData, j: Int, t: DataType): String = {
    if (keys.isNullAt(j)) return "null"
    t match {
      case BooleanType => if (keys.getBoolean(j)) "true" else "false"
      case ByteType => keys.getByte(j).toString
      case ShortType => keys.getShort(j).toString
      case IntegerType => keys.getInt(j).toString
      case LongType => keys.getLong(j).toString
      case DateType => date(keys.getInt(j))
      case d: DecimalType => keys.getDecimal(j, d.precision, d.scale).toJavaBigDecimal.toString
      case _ => keys.getUTF8String(j).toString
    }
  }

  private def localTime(micros: Long, zone: ZoneId): LocalDateTime = {
    val seconds = Math.floorDiv(micros, 1000000L)
    val nanos = Math.floorMod(micros, 1000000L) * 1000L
    LocalDateTime.ofEpochSecond(seconds, nanos.toInt, zone.getRules.getOffset(java.time.Instant.ofEpochSecond(seconds)))
  }

  private def date(days: Int): String = {
    val d = LocalDate.ofEpochDay(days.toLong)
    if (d.getYear < 1 || d.getYear > 9999) throw new OutsidePython(s"date $d")
    d.toString
  }

  /** Python's datetime.isoformat(): microseconds as six digits, or none when zero. */
  private def isoformat(t: LocalDateTime): String = {
    if (t.getYear < 1 || t.getYear > 9999) throw new OutsidePython(s"time $t")
    val date = t.toLocalDate.toString
    val base = f"$date%sT${t.getHour}%02d:${t.getMinute}%02d:${t.getSecond}%02d"
    val micros = t.getNano / 1000
    if (micros == 0) base else f"$base%s.$micros%06d"
  }
}

/** A value Python's datetime cannot hold (years 1 to 9999): the statement's error, as on Python's path. */
final class OutsidePython(val what: String)
  extends RuntimeException(s"a $what is outside the years Python's datetime can hold (1 to 9999)", null, false, false)
