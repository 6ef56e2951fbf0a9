/**
 * The web UI (packages/web), served by the server itself: the page and its assets are public,
 * as they hold no data; every call the page makes is an API call with the user's credentials.
 */
import { Params } from '../rest.ts';
import { Type } from '@sinclair/typebox';
import { endpoint, noBody } from './endpoint.ts';

const tags = ['ui'];
const redirect = (to: string) => noBody(`A redirect to ${to}`);

export const getRoot = endpoint({
  method: 'GET', url: '/', tags, access: 'public',
  summary: 'Leads to the web UI (302 to ui/), as Livy\'s / does; a probe that follows it gets a 200',
  responses: { 302: redirect('/ui/') },
});

export const getUiRoot = endpoint({
  method: 'GET', url: '/ui', tags, access: 'public', summary: 'The web UI: 302 to ui/ (that is, /ui/)',
  responses: { 302: redirect('/ui/') },
});

export const getUiFile = endpoint({
  method: 'GET', url: '/ui/:file', tags, access: 'public', summary: 'The web UI\'s page and its static assets (built by npm run setup)',
  params: Params({ file: Type.String({ description: 'A file of the built UI (one folder, no subfolders); empty for its page' }) }),
  responses: {
    200: {
      description: 'The page, a script, a style sheet or an image',
      content: Object.fromEntries(['text/html', 'application/javascript', 'text/css', 'image/svg+xml'].map((t) => [t, { schema: Type.String() }])),
    },
  },
});
