package sparkport

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.{Dataset, Row}
import org.apache.spark.sql.types._

import scala.collection.mutable
import scala.jdk.CollectionConverters._

final class TableTypeError extends Exception("table rows have different types")

/**
 * Livy's `application/vnd.livy.table.v1+json` for Scala values, with Livy's Scala type names
 * (every integer is BIGINT_TYPE; no date types).
 *
 * As in the Python driver: a null column takes the type of its first non-null value, rows with
 * missing keys get null cells, and positional columns sort as numbers ("2" before "10").
 */
object Tables {
  val NULL = "NULL_TYPE"
  val BOOLEAN = "BOOLEAN_TYPE"
  val STRING = "STRING_TYPE"
  val BIGINT = "BIGINT_TYPE"
  val DOUBLE = "DOUBLE_TYPE"
  val DECIMAL = "DECIMAL_TYPE"
  val ARRAY = "ARRAY_TYPE"
  val MAP = "MAP_TYPE"

  /** (table, truncated) */
  def build(value: Any, rows: Int): (Json, Boolean) = value match {
    case ds: Dataset[_] => fromDataFrame(ds.toDF(), rows)
    case rdd: RDD[_] =>
      val taken = rdd.take(rows + 1).toSeq
      (fromRows(taken.take(rows)), taken.length > rows)
    case a: Array[_] if !a.isInstanceOf[Array[Byte]] => (fromRows(a.toSeq), false)
    case m: scala.collection.Map[_, _] => (fromRows(Seq(m)), false)
    case it: Iterable[_] => (fromRows(it.toSeq), false)
    case it: java.util.List[_] => (fromRows(it.asScala.toSeq), false)
    case other => (fromRows(Seq(other)), false)
  }

  def sparkTypeName(t: DataType): String = t match {
    case NullType => NULL
    case BooleanType => BOOLEAN
    case ByteType | ShortType | IntegerType | LongType => BIGINT
    case FloatType | DoubleType => DOUBLE
    case _: DecimalType => DECIMAL
    case _: ArrayType => ARRAY
    case _: MapType | _: StructType => MAP
    case _ => STRING
  }

  private def fromDataFrame(df: Dataset[Row], rows: Int): (Json, Boolean) = {
    val fields = df.schema.fields.toSeq
    val taken = df.take(rows + 1).toSeq
    val headers = fields.map(f => Json.obj("name" -> Json.Str(f.name), "type" -> Json.Str(sparkTypeName(f.dataType))))
    val data = taken.take(rows).map(row => Json.Arr((0 until row.length).map(i => ValueJson.convert(row.get(i)))))
    (Json.obj("headers" -> Json.Arr(headers), "data" -> Json.Arr(data)), taken.length > rows)
  }

  /** A column key: positional (from sequences and tuples) or named (maps, rows, case classes). */
  private final case class Key(position: Int, name: String) {
    def label: String = if (position >= 0) position.toString else name
  }
  private implicit val keyOrder: Ordering[Key] =
    Ordering.by((k: Key) => (if (k.position >= 0) 0 else 1, k.position, k.name))

  def cell(value: Any): (String, Json) = value match {
    case null | None | () => (NULL, Json.Null)
    case Some(v) => cell(v)
    case b: Boolean => (BOOLEAN, Json.Bool(b))
    case _: Byte | _: Short | _: Int | _: Long | _: BigInt | _: java.math.BigInteger => (BIGINT, ValueJson.convert(value))
    case _: Float | _: Double => (DOUBLE, ValueJson.convert(value))
    case _: BigDecimal | _: java.math.BigDecimal => (DECIMAL, ValueJson.convert(value))
    case _: String | _: Char | _: Array[Byte] => (STRING, ValueJson.convert(value))
    case _: Row | _: scala.collection.Map[_, _] | _: java.util.Map[_, _] => (MAP, ValueJson.convert(value))
    case _: Array[_] | _: Iterable[_] | _: java.lang.Iterable[_] => (ARRAY, ValueJson.convert(value))
    case p: Product if ValueJson.isRecord(p) => (MAP, ValueJson.convert(value))
    case _: Product => (ARRAY, ValueJson.convert(value))
    case other =>
      // Dates and anything else: their JSON form when there is one, else their text.
      try (STRING, ValueJson.convert(other))
      catch { case _: ConversionError => (STRING, Json.Str(String.valueOf(other))) }
  }

  private def entries(row: Any): Seq[(Key, Any)] = {
    def positional(values: Seq[Any]) = values.zipWithIndex.map { case (v, i) => Key(i, "") -> v }
    row match {
      case r: Row if r.schema != null => r.schema.fieldNames.toSeq.zip(r.toSeq).map { case (k, v) => Key(-1, k) -> v }
      case r: Row => positional(r.toSeq)
      case m: scala.collection.Map[_, _] => m.toSeq.map { case (k, v) => Key(-1, ValueJson.key(k)) -> v }
      case m: java.util.Map[_, _] => m.asScala.toSeq.map { case (k, v) => Key(-1, ValueJson.key(k)) -> v }
      case a: Array[_] if !a.isInstanceOf[Array[Byte]] => positional(a.toSeq)
      case it: Iterable[_] => positional(it.toSeq)
      case p: Product if ValueJson.isRecord(p) => p.productElementNames.toSeq.zip(p.productIterator.toSeq).map { case (k, v) => Key(-1, k) -> v }
      case p: Product if !p.isInstanceOf[Option[_]] => positional(p.productIterator.toSeq)
      case scalar => Seq(Key(0, "") -> scalar)
    }
  }

  def fromRows(rows: Seq[Any]): Json = {
    val types = mutable.Map[Key, String]()
    val cells = rows.map { row =>
      entries(row).map { case (key, value) =>
        val (t, v) = cell(value)
        types.get(key) match {
          case None | Some(NULL) => types(key) = t
          case Some(known) if t != NULL && t != known => throw new TableTypeError
          case _ =>
        }
        key -> v
      }.toMap
    }
    val keys = types.keys.toSeq.sorted
    val headers = keys.map(k => Json.obj("name" -> Json.Str(k.label), "type" -> Json.Str(types(k))))
    val data = cells.map(values => Json.Arr(keys.map(k => values.getOrElse(k, Json.Null))))
    Json.obj("headers" -> Json.Arr(headers), "data" -> Json.Arr(data))
  }
}
