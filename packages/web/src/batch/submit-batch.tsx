/** The "Submit batch" dialog: a spark-submit of a Python file or a jar. */
import { useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { useAction, useRestoreFocus } from '../hooks.ts';
import { href } from '../router.ts';
import { Dialog, ErrorBanner, Field } from '../ui/components.tsx';
import { batchRequest, type SubmitFields } from './submit-form.ts';

const EMPTY: SubmitFields = { file: '', className: '', args: '', name: '', driverMemory: '', conf: '' };

export function SubmitBatch({ onClose }: { onClose(): void }) {
  const { client } = useApp();
  const [fields, setFields] = useState(EMPTY);
  const { busy, error, clear, run } = useAction();
  useRestoreFocus();
  const set = (k: keyof SubmitFields) => (e: { currentTarget: { value: string } }) => setFields((f) => ({ ...f, [k]: e.currentTarget.value }));
  const isJar = /\.jar$/i.test(fields.file.trim());

  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const b = await client.createBatch(batchRequest(fields));
      onClose();
      location.hash = href('batches', b.id);
    });
  };

  return (
    <Dialog open title="Submit batch" onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="File" hint="A .py or .jar: an absolute path inside the server's batches.allowedDirs, or a URI such as hdfs://… or s3a://…">
          <input name="file" class="mono" required autoFocus value={fields.file} placeholder="/srv/jobs/report.py" onInput={set('file')} />
        </Field>
        <Field label="Main class" hint={isJar ? 'The class with main() in the jar' : 'For a jar only'}>
          <input name="className" class="mono" value={fields.className} placeholder="com.example.Report" onInput={set('className')} />
        </Field>
        <Field label="Arguments" hint="One per line, given to the program as they are">
          <textarea name="args" class="code" rows={3} value={fields.args} onInput={set('args')} />
        </Field>
        <div class="batch-form-pair">
          <Field label="Name" hint="Optional; usable in place of the id">
            <input name="name" value={fields.name} onInput={set('name')} />
          </Field>
          <Field label="Driver memory" hint="For example 1g; empty for the default">
            <input name="driverMemory" value={fields.driverMemory} placeholder="1g" onInput={set('driverMemory')} />
          </Field>
        </div>
        <Field label="Spark configuration" hint="One key=value per line">
          <textarea name="conf" class="code" rows={3} value={fields.conf} placeholder="spark.sql.shuffle.partitions=8" onInput={set('conf')} />
        </Field>
        <ErrorBanner error={error} onClose={clear} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy || !fields.file.trim()}>{busy ? 'Submitting…' : 'Submit'}</button>
        </div>
      </form>
    </Dialog>
  );
}
