package sparkport

import java.time.{Duration, Instant, LocalDate, LocalDateTime}
import java.time.format.DateTimeFormatter
import java.util.Base64

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.{Dataset, Row}

import scala.jdk.CollectionConverters._

/** A value that has no JSON form; reported to the user as a ValueError, as for Python. */
final class ConversionError(message: String) extends Exception(message)

/**
 * Scala and Spark values → JSON, with the conventions of the Python driver's outputs: ISO
 * dates, decimals as numbers, bytes as base64, non-finite doubles as strings.
 */
object ValueJson {
  val MaxDepth = 100

  /** %json: Datasets and RDDs become their first `rows` elements; the flag says whether more exist. */
  def limited(value: Any, rows: Int): (Json, Boolean) = value match {
    case ds: Dataset[_] => items(ds.take(rows + 1).toSeq, rows)
    case rdd: RDD[_] => items(rdd.take(rows + 1).toSeq, rows)
    case other => (convert(other), false)
  }

  private def items(taken: Seq[Any], rows: Int): (Json, Boolean) =
    (Json.Arr(taken.take(rows).map(convert(_))), taken.length > rows)

  def convert(value: Any, depth: Int = 0): Json = {
    if (depth > MaxDepth) {
      throw new ConversionError("value is nested too deeply (or contains a cycle) to convert to JSON")
    }
    def nested(v: Any): Json = convert(v, depth + 1)
    value match {
      case null | None | () => Json.Null
      case Some(v) => nested(v)
      case b: Boolean => Json.Bool(b)
      case n @ (_: Byte | _: Short | _: Int | _: Long | _: BigInt | _: java.math.BigInteger) => Json.Num(n.toString)
      case f: Float => double(f.toDouble)
      case d: Double => double(d)
      case d: BigDecimal => decimal(d.bigDecimal)
      case d: java.math.BigDecimal => decimal(d)
      case c: Char => Json.Str(c.toString)
      case s: String => Json.Str(s)
      case bytes: Array[Byte] => Json.Str(Base64.getEncoder.encodeToString(bytes))
      case t: java.sql.Timestamp => Json.Str(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t.toLocalDateTime))
      case d: java.sql.Date => Json.Str(d.toLocalDate.toString)
      case d: LocalDate => Json.Str(d.toString)
      case t: LocalDateTime => Json.Str(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t))
      case i: Instant => Json.Str(i.toString)
      case d: Duration => Json.Num(java.math.BigDecimal.valueOf(d.getSeconds).add(java.math.BigDecimal.valueOf(d.getNano.toLong, 9)).stripTrailingZeros.toPlainString)
      case row: Row => rowJson(row, nested)
      case m: scala.collection.Map[_, _] => Json.Obj(m.toSeq.map { case (k, v) => key(k) -> nested(v) })
      case m: java.util.Map[_, _] => Json.Obj(m.asScala.toSeq.map { case (k, v) => key(k) -> nested(v) })
      case a: Array[_] => Json.Arr(a.toSeq.map(nested))
      case it: Iterable[_] => Json.Arr(it.toSeq.map(nested))
      case it: java.lang.Iterable[_] => Json.Arr(it.asScala.toSeq.map(nested))
      case p: Product if isRecord(p) => Json.Obj(p.productElementNames.toSeq.zip(p.productIterator.toSeq).map { case (k, v) => k -> nested(v) })
      case p: Product => Json.Arr(p.productIterator.toSeq.map(nested))
      case _: Dataset[_] | _: RDD[_] =>
        throw new ConversionError("a Dataset or RDD inside another value cannot be converted to JSON: collect it first")
      case other =>
        throw new ConversionError(s"cannot convert a value of type '${other.getClass.getName}' to JSON")
    }
  }

  /** Case classes have field names; tuples and other products only positions. */
  def isRecord(p: Product): Boolean =
    p.productArity > 0 && !p.getClass.getName.startsWith("scala.Tuple") && p.productElementNames.forall(_.nonEmpty)

  def key(k: Any): String = k match {
    case null => "null"
    case s: String => s
    case other => other.toString
  }

  private def rowJson(row: Row, nested: Any => Json): Json = {
    val values = (0 until row.length).map(i => nested(row.get(i)))
    if (row.schema == null) Json.Arr(values) else Json.Obj(row.schema.fieldNames.toSeq.zip(values))
  }

  /** Non-finite doubles as strings, as Spark's JSON writer and Python's float_json write them. */
  private[sparkport] def double(d: Double): Json =
    if (d.isNaN) Json.Str("NaN")
    else if (d.isInfinite) Json.Str(if (d > 0) "Infinity" else "-Infinity")
    else Json.Num(java.lang.Double.toString(d))

  /** As outputs.decimal_json: an integral value as an integer, any other as a number. */
  private[sparkport] def decimal(d: java.math.BigDecimal): Json = {
    val plain = d.stripTrailingZeros
    if (plain.scale <= 0 && plain.precision - plain.scale <= 400) Json.Num(plain.toBigIntegerExact.toString)
    else Json.Num(d.toString)
  }
}
