package sparkport

import org.apache.spark.SparkContext

/**
 * A running statement's progress, for the Python driver's poller: completed over total tasks of
 * the stages of its job group's jobs, in one py4j call. Asked job by job and stage by stage from
 * Python, a statement that had run a thousand small jobs cost thousands of calls every poll, and
 * the poller held Python's lock from the statement itself for most of its time.
 */
object Progress {
  /** Completed over total tasks, or -1 while the group has no tasks. */
  def of(sc: SparkContext, group: String): Double = {
    val tracker = sc.statusTracker
    var total = 0L
    var done = 0L
    for {
      job <- tracker.getJobIdsForGroup(group)
      info <- tracker.getJobInfo(job)
      stage <- info.stageIds
      s <- tracker.getStageInfo(stage)
    } {
      total += s.numTasks
      done += s.numCompletedTasks
    }
    if (total == 0) -1.0 else done.toDouble / total
  }
}
