package sparkport

import java.nio.charset.StandardCharsets.UTF_8
import java.security.MessageDigest
import java.util.concurrent.atomic.{AtomicInteger, AtomicLong, AtomicReference}

import org.apache.spark.SparkEnv
import org.apache.spark.connect.proto.{ReleaseSessionRequest, ReleaseSessionResponse, SparkConnectServiceGrpc}
import org.apache.spark.sql.classic.SparkSession
import org.apache.spark.sql.connect.service.SparkportConnectAccess
import org.sparkproject.connect.grpc.{ForwardingServerCallListener, Metadata, ServerCall, ServerCallHandler, ServerInterceptor, Status}

/**
 * A session's Spark Connect face: Spark Connect's gRPC service, started inside the session's
 * running SparkContext (the session driver calls `start` over py4j once Spark is up), serving the
 * session's own SparkSession to clients that name it (user id and session id, in the `sc://` URL
 * the server gives out), so temp views, cached data and SQL settings are one set for statements
 * and Connect clients alike. Any other (user, session) gets an isolated session, as Spark does.
 *
 * Every call must carry the face's token in its `x-sparkport-token` header (RequireToken). Not
 * Spark's own bearer token (spark.connect.authenticate.token): Spark's clients send that without
 * TLS only to a host named `localhost`, which gRPC resolves to ::1 first, where any local process
 * may listen on the same port while the face binds 127.0.0.1; and Spark keeps it in the SparkConf,
 * which the session's code (and so a statement's output) can read. Clients send a URL parameter
 * that is not one of Spark Connect's own as a header of that name with every call, so the
 * server's URL (`…;x-sparkport-token=…`) needs nothing else of them, and the address can be
 * 127.0.0.1 itself. The token is kept here only, in a private field.
 *
 * The settings are written into the live SparkConf just before the service starts, which reads
 * them then: the request's own `spark.connect.*` conf is refused by the server, so none of them
 * is the user's.
 */
object ConnectFace {
  final case class Shared(userId: String, sessionId: String, serverSessionId: String)

  private val shared = new AtomicReference[Shared]()

  /** The token every call must present (its UTF-8 bytes), or null: no face, and no call passes. */
  private val token = new AtomicReference[Array[Byte]]()

  /** RequireToken instances made: start checks that Spark made one for the service it started. */
  private val tokenChecks = new AtomicInteger(0)

  /**
   * Starts the service on the first free port of `portLow`..`portHigh` on `host`, with every call
   * made to present `token` (RequireToken), and makes `spark` the session of (`userId`,
   * `sessionId`). Returns the port. Throws when no port is free, or when Spark did not put the
   * token check in front of the service (it is stopped again then: no face rather than an open one).
   */
  def start(spark: SparkSession, host: String, portLow: Int, portHigh: Int, token: String, userId: String, sessionId: String): Int = {
    require(shared.get == null, "the Spark Connect face is already started")
    require(token != null && token.nonEmpty, "the Spark Connect face needs a token")
    val conf = SparkEnv.get.conf
    conf.set("spark.connect.grpc.binding.address", host)
    conf.set("spark.connect.grpc.binding.port", portLow.toString)
    // Spark tries the port and then the next ones, one by one: maxRetries more of them.
    conf.set("spark.connect.grpc.port.maxRetries", (portHigh - portLow).toString)
    // gRPC runs a server's interceptors in the reverse of the order they were added, and Spark adds
    // these in the order listed (SparkConnectInterceptorRegistry): the last one listed runs first.
    // RequireToken must: a call without the token reaches nothing else, not even the counting.
    conf.set("spark.connect.grpc.interceptor.classes", Seq(classOf[KeepSharedSession], classOf[CountConnectCalls], classOf[RequireToken]).map(_.getName).mkString(","))
    this.token.set(token.getBytes(UTF_8))
    val checksBefore = tokenChecks.get
    val port =
      try SparkportConnectAccess.start(spark.sparkContext)
      catch { case e: Throwable => this.token.set(null); throw e }
    if (tokenChecks.get == checksBefore) {
      // Spark started the service without building RequireToken: it would serve anyone.
      try SparkportConnectAccess.stop() finally this.token.set(null)
      throw new IllegalStateException(
        s"Spark Connect started without the face's token check (${classOf[RequireToken].getName} from spark.connect.grpc.interceptor.classes), so it was stopped again")
    }
    shared.set(Shared(userId, sessionId, SparkportConnectAccess.share(userId, sessionId, spark)))
    port
  }

  /** Stops the service, before the SparkContext stops (its gRPC threads would otherwise outlive it). */
  def stop(): Unit = if (shared.get != null) {
    try SparkportConnectAccess.stop() finally token.set(null)
  }

  private[sparkport] def sharedSession: Option[Shared] = Option(shared.get)

  private[sparkport] def tokenCheckMade(): Unit = tokenChecks.incrementAndGet()

  /** Whether `presented` is the face's token, compared in time that does not depend on where they differ. */
  private[sparkport] def isToken(presented: String): Boolean = {
    val want = token.get
    want != null && presented != null && MessageDigest.isEqual(presented.getBytes(UTF_8), want)
  }

  // When a call last began or ended (System.nanoTime: only differences count), and the calls open now.
  private val NoCall = Long.MinValue
  private val lastCall = new AtomicLong(NoCall)
  private val openCalls = new AtomicInteger(0)

  /**
   * How long the face has gone without a client, in milliseconds: since the last call ended, 0
   * while one is open, -1 before the first. The session driver reports it with each ping's reply,
   * so that Connect use keeps the session from its idle timeout (PROTOCOL.md, `ping`).
   */
  def idleMs(): Long =
    if (openCalls.get > 0) 0L
    else lastCall.get match {
      case NoCall => -1L
      case t => math.max(0L, (System.nanoTime - t) / 1000000L)
    }

  private[sparkport] def callBegan(): Unit = {
    lastCall.set(System.nanoTime)
    openCalls.incrementAndGet()
  }

  private[sparkport] def callEnded(): Unit = {
    lastCall.set(System.nanoTime)
    openCalls.decrementAndGet()
  }
}

/**
 * Keeps the shared session open. A Connect client's `SparkSession.stop()` sends ReleaseSession,
 * which would close the session's holder (its artifacts cleaned up, running Connect queries and
 * streams stopped) and remember its id as closed: no client could use it again, though the
 * session runs on. A ReleaseSession of the shared session is answered here, as done, and not
 * passed on; every other call passes through untouched.
 *
 * Spark builds it from spark.connect.grpc.interceptor.classes (hence the no-argument
 * constructor and the shared state in ConnectFace). A call without the token never reaches it:
 * RequireToken, which runs first, refuses it without calling the rest of the chain.
 */
final class KeepSharedSession extends ServerInterceptor {
  private val release = SparkConnectServiceGrpc.getReleaseSessionMethod.getFullMethodName

  override def interceptCall[ReqT, RespT](
      call: ServerCall[ReqT, RespT],
      headers: Metadata,
      next: ServerCallHandler[ReqT, RespT]): ServerCall.Listener[ReqT] = {
    val inner = next.startCall(call, headers)
    if (call.getMethodDescriptor.getFullMethodName != release) return inner
    new ForwardingServerCallListener.SimpleForwardingServerCallListener[ReqT](inner) {
      @volatile private var answered = false

      override def onMessage(message: ReqT): Unit = (message, ConnectFace.sharedSession) match {
        case (r: ReleaseSessionRequest, Some(s)) if r.getSessionId == s.sessionId && r.getUserContext.getUserId == s.userId =>
          answered = true
          val reply = ReleaseSessionResponse.newBuilder().setSessionId(s.sessionId).setServerSideSessionId(s.serverSessionId).build()
          call.sendHeaders(new Metadata())
          call.sendMessage(reply.asInstanceOf[RespT])
          call.close(Status.OK, new Metadata())
        case _ => super.onMessage(message)
      }

      // Spark's handler runs the call when the client half-closes: not once it is answered.
      override def onHalfClose(): Unit = if (!answered) super.onHalfClose()
    }
  }
}

/**
 * Counts the face's calls (ConnectFace.idleMs), so that a session used only through Spark Connect
 * is not idle. A call counts from its first message to its end, so a long query's open stream
 * counts the whole time. A call without the token never counts: RequireToken, which runs before
 * this, refuses it without calling the rest of the chain. Built by Spark, as KeepSharedSession is.
 */
final class CountConnectCalls extends ServerInterceptor {
  override def interceptCall[ReqT, RespT](
      call: ServerCall[ReqT, RespT],
      headers: Metadata,
      next: ServerCallHandler[ReqT, RespT]): ServerCall.Listener[ReqT] =
    new ForwardingServerCallListener.SimpleForwardingServerCallListener[ReqT](next.startCall(call, headers)) {
      // gRPC calls a listener's methods one at a time; 0: no message yet, 1: counted, 2: ended.
      @volatile private var stage = 0

      override def onMessage(message: ReqT): Unit = {
        if (stage == 0) {
          stage = 1
          ConnectFace.callBegan()
        }
        super.onMessage(message)
      }

      override def onComplete(): Unit = try super.onComplete() finally end()

      override def onCancel(): Unit = try super.onCancel() finally end()

      private def end(): Unit = if (stage == 1) {
        stage = 2
        ConnectFace.callEnded()
      }
    }
}

/**
 * Lets through only the calls whose `x-sparkport-token` header is the face's token (ConnectFace);
 * any other is closed UNAUTHENTICATED at once, and nothing further in the chain (the other
 * interceptors, Spark's service) learns of it. It must run first: last in
 * spark.connect.grpc.interceptor.classes (ConnectFace.start). Built by Spark, as the others are;
 * ConnectFace.start refuses a service started without one.
 */
final class RequireToken extends ServerInterceptor {
  ConnectFace.tokenCheckMade()

  override def interceptCall[ReqT, RespT](
      call: ServerCall[ReqT, RespT],
      headers: Metadata,
      next: ServerCallHandler[ReqT, RespT]): ServerCall.Listener[ReqT] = {
    val presented = headers.get(RequireToken.Header)
    if (ConnectFace.isToken(presented)) return next.startCall(call, headers)
    val why =
      if (presented == null) "no x-sparkport-token: use the sc:// URL of GET /sessions/{id}/spark-connect as it is"
      else "wrong x-sparkport-token: this is not the token of this session's endpoint (GET /sessions/{id}/spark-connect)"
    call.close(Status.UNAUTHENTICATED.withDescription(s"Sparkport Spark Connect: $why"), new Metadata())
    new ServerCall.Listener[ReqT] {}
  }
}

object RequireToken {
  val Header: Metadata.Key[String] = Metadata.Key.of("x-sparkport-token", Metadata.ASCII_STRING_MARSHALLER)
}
