import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractSagaFields } from './attributes';
import type { SagaFields } from './types';
import type { Attributes, AttrValue, FlatSpan } from '../otlp/types';

function span(attributes: Record<string, AttrValue>, resource: Attributes = {}, name = 'span'): FlatSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    name,
    kind: 2,
    startMs: 1767225600000,
    endMs: 1767225600010,
    statusCode: 0,
    statusMessage: null,
    attributes,
    resource,
    scope: null,
    events: null,
  };
}

const NONE: SagaFields = {
  sagaId: null,
  sagaName: null,
  protocol: null,
  role: null,
  step: null,
  stepIndex: null,
  branchId: null,
  op: null,
  attempt: null,
  result: null,
  actionUrl: null,
  compensateUrl: null,
  idempotencyKey: null,
  trigger: null,
  zeroCode: false,
};

describe('extractSagaFields: saga.* attributes', () => {
  it('reads every saga.* attribute', () => {
    expect(
      extractSagaFields(
        span({
          'saga.id': 'order-42',
          'saga.name': 'checkout',
          'saga.protocol': 'tcc',
          'saga.role': 'participant',
          'saga.step': 'reserve-inventory',
          'saga.step.index': 2,
          'saga.branch_id': '02',
          'saga.op': 'try',
          'saga.attempt': 3,
          'saga.step.result': 'rejected',
          'saga.action_url': 'http://inventory/reserve',
          'saga.compensate_url': 'http://inventory/release',
          'saga.idempotency_key': 'idem-1',
          'saga.trigger': 'manual',
        }),
      ),
    ).toEqual({
      sagaId: 'order-42',
      sagaName: 'checkout',
      protocol: 'tcc',
      role: 'participant',
      step: 'reserve-inventory',
      stepIndex: 2,
      branchId: '02',
      op: 'try',
      attempt: 3,
      result: 'rejected',
      actionUrl: 'http://inventory/reserve',
      compensateUrl: 'http://inventory/release',
      idempotencyKey: 'idem-1',
      trigger: 'manual',
      zeroCode: false,
    });
  });

  it('reads saga.trigger case-insensitively and ignores unknown triggers', () => {
    expect(extractSagaFields(span({ 'saga.id': 'g', 'saga.trigger': ' MANUAL ' })).trigger).toBe('manual');
    expect(extractSagaFields(span({ 'saga.id': 'g', 'saga.trigger': 'scheduled' })).trigger).toBeNull();
    expect(extractSagaFields(span({ 'saga.id': 'g', 'saga.trigger': 1 })).trigger).toBeNull();
    expect(extractSagaFields(span({ 'saga.id': 'g' }, { 'saga.trigger': 'manual' })).trigger).toBe('manual');
  });

  it('returns all nulls for a span without saga attributes', () => {
    expect(extractSagaFields(span({ 'http.request.method': 'GET', 'url.full': 'http://x/y?op=action' }))).toEqual(NONE);
  });

  it('lets span attributes shadow resource attributes, key by key', () => {
    const fields = extractSagaFields(
      span({ 'saga.step': 'from-span', 'saga.id': null }, { 'saga.id': 'from-resource', 'saga.step': 'resource-step', 'saga.name': 'resource-name' }),
    );
    expect(fields).toMatchObject({ sagaId: 'from-resource', step: 'from-span', sagaName: 'resource-name' });
  });

  it.each<[string, AttrValue, Partial<SagaFields>]>([
    ['saga.step.index', '4', { stepIndex: 4 }],
    ['saga.step.index', ' 5 ', { stepIndex: 5 }],
    ['saga.step.index', 0, { stepIndex: 0 }],
    ['saga.step.index', -1, { stepIndex: null }],
    ['saga.step.index', 1.5, { stepIndex: null }],
    ['saga.step.index', '1.5', { stepIndex: null }],
    ['saga.step.index', 'two', { stepIndex: null }],
    ['saga.step.index', '99999999999999999999', { stepIndex: null }],
    ['saga.step.index', true, { stepIndex: null }],
    // int4 columns: what PostgreSQL cannot store is treated as malformed, not sent to fail the batch
    ['saga.step.index', 2_147_483_647, { stepIndex: 2_147_483_647 }],
    ['saga.step.index', 2_147_483_648, { stepIndex: null }],
    ['saga.attempt', '3000000000', { attempt: null }],
    ['saga.step.index', [1], { stepIndex: null }],
    ['saga.attempt', '2', { attempt: 2 }],
    ['saga.attempt', 0, { attempt: null }],
    ['saga.attempt', '', { attempt: null }],
    ['saga.protocol', 'SAGA', { protocol: 'saga' }],
    ['saga.protocol', 'workflow', { protocol: 'workflow' }],
    ['saga.protocol', 'two-phase', { protocol: null }],
    ['saga.role', 'orchestrator', { role: null }],
    ['saga.role', ' Coordinator ', { role: 'coordinator' }],
    ['saga.op', 'queryprepared', { op: null }],
    ['saga.op', 'rollback', { op: 'rollback' }],
    ['saga.step.result', 'skipped', { result: 'skipped' }],
    ['saga.step.result', 'ok', { result: null }],
    ['saga.id', '  padded  ', { sagaId: 'padded' }],
    ['saga.id', '   ', { sagaId: null }],
    ['saga.id', 12345, { sagaId: '12345' }],
    ['saga.id', false, { sagaId: null }],
    ['saga.id', { nested: 'x' }, { sagaId: null }],
    ['saga.branch_id', 3, { branchId: '3' }],
    ['saga.action_url', '', { actionUrl: null }],
  ])('normalises %s = %j', (key, value, expected) => {
    expect(extractSagaFields(span({ [key]: value }))).toMatchObject(expected);
  });

  it('truncates ids and names longer than 512 characters, never splitting a surrogate pair', () => {
    const long = 'x'.repeat(600);
    expect(extractSagaFields(span({ 'saga.id': long })).sagaId).toBe('x'.repeat(512));
    const emoji = 'x'.repeat(511) + '\u{1F600}' + 'y';
    expect(extractSagaFields(span({ 'saga.step': emoji })).step).toBe('x'.repeat(511));
  });

  it('drops over-long URLs rather than cutting them', () => {
    expect(extractSagaFields(span({ 'saga.action_url': `http://x/${'a'.repeat(5000)}` })).actionUrl).toBeNull();
  });

  it('does not modify the span', () => {
    const attributes = Object.freeze({ 'saga.id': ' s ', 'url.full': 'http://h/p?gid=g&op=action' });
    const input = span(attributes);
    const before = JSON.stringify(input);
    extractSagaFields(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('extractSagaFields: dtm.* attributes', () => {
  it('reads dtm.gid, dtm.trans_type, dtm.branch_id and dtm.op', () => {
    expect(
      extractSagaFields(span({ 'dtm.gid': 'gid-1', 'dtm.trans_type': 'msg', 'dtm.branch_id': '01', 'dtm.op': 'action' })),
    ).toEqual({ ...NONE, sagaId: 'gid-1', protocol: 'msg', branchId: '01', op: 'action' });
  });

  it('accepts the camelCase spellings', () => {
    expect(extractSagaFields(span({ 'dtm.gid': 'g', 'dtm.transType': 'xa', 'dtm.branchId': '07' }))).toMatchObject({
      protocol: 'xa',
      branchId: '07',
    });
  });

  it('yields to saga.* attributes field by field', () => {
    expect(
      extractSagaFields(span({ 'saga.id': 'explicit', 'saga.op': 'compensate', 'dtm.gid': 'dtm', 'dtm.op': 'action', 'dtm.branch_id': '03' })),
    ).toMatchObject({ sagaId: 'explicit', op: 'compensate', branchId: '03', zeroCode: false });
  });

  it('falls back to dtm.* when the saga.* value is not valid', () => {
    expect(extractSagaFields(span({ 'saga.protocol': 'bogus', 'dtm.trans_type': 'tcc' })).protocol).toBe('tcc');
  });
});

describe('extractSagaFields: zero-code DTM calls', () => {
  const QUERY = 'gid=gid-9&trans_type=saga&branch_id=01&op=action';

  it.each<[string, Record<string, AttrValue>, string | null]>([
    ['url.full', { 'url.full': `http://inventory:8081/api/inventory/reserve?${QUERY}` }, `http://inventory:8081/api/inventory/reserve?${QUERY}`],
    ['url.query without "?" plus url.path', { 'url.query': QUERY, 'url.path': '/api/inventory/reserve' }, `/api/inventory/reserve?${QUERY}`],
    ['url.query with "?" plus url.path', { 'url.query': `?${QUERY}`, 'url.path': '/api/inventory/reserve' }, `/api/inventory/reserve?${QUERY}`],
    ['http.target', { 'http.target': `/api/inventory/reserve?${QUERY}` }, `/api/inventory/reserve?${QUERY}`],
    ['http.url', { 'http.url': `https://inventory/api/inventory/reserve?${QUERY}#frag` }, `https://inventory/api/inventory/reserve?${QUERY}#frag`],
    [
      'url.full alongside scheme/host attributes',
      { 'url.full': `http://inventory/api/inventory/reserve?${QUERY}`, 'url.path': '/ignored', 'server.address': 'inventory' },
      `http://inventory/api/inventory/reserve?${QUERY}`,
    ],
  ])('derives the fields from %s', (_, attributes, url) => {
    expect(extractSagaFields(span(attributes))).toEqual({
      ...NONE,
      sagaId: 'gid-9',
      protocol: 'saga',
      branchId: '01',
      op: 'action',
      step: '/api/inventory/reserve',
      actionUrl: url,
      zeroCode: true,
    });
  });

  it('takes a bare url.query without a path attribute, leaving step empty', () => {
    expect(extractSagaFields(span({ 'url.query': QUERY }))).toMatchObject({ sagaId: 'gid-9', step: null, actionUrl: null, zeroCode: true });
  });

  it('puts the URL of a compensating op into compensateUrl', () => {
    const url = 'http://inventory/api/inventory/reserve-compensate?gid=g&trans_type=saga&branch_id=01&op=compensate';
    expect(extractSagaFields(span({ 'url.full': url }))).toMatchObject({
      op: 'compensate',
      step: '/api/inventory/reserve-compensate',
      actionUrl: null,
      compensateUrl: url,
    });
  });

  it.each([
    ['try', 'actionUrl'],
    ['cancel', 'compensateUrl'],
    ['confirm', null],
  ])('TCC op %s sets %s', (op, urlField) => {
    const url = `/api/tcc?gid=g&trans_type=tcc&branch_id=01&op=${op}`;
    const fields = extractSagaFields(span({ 'http.target': url }));
    expect(fields.actionUrl).toBe(urlField === 'actionUrl' ? url : null);
    expect(fields.compensateUrl).toBe(urlField === 'compensateUrl' ? url : null);
    expect(fields.protocol).toBe('tcc');
  });

  it('decodes percent-escapes and "+" in query values', () => {
    expect(extractSagaFields(span({ 'url.query': 'gid=a%2Fb+c&op=%61ction&branch_id=%E2%9C%93' }))).toMatchObject({
      sagaId: 'a/b c',
      op: 'action',
      branchId: '✓',
    });
  });

  it('survives malformed escapes and odd query strings', () => {
    expect(extractSagaFields(span({ 'url.query': 'gid=50%&&=x&op&branch_id=1=2' }))).toMatchObject({
      sagaId: '50%',
      op: null,
      branchId: '1=2',
    });
  });

  it('compares parameter names after decoding them', () => {
    expect(extractSagaFields(span({ 'url.query': 'g%69d=g&trans%5Ftype=tcc&branch+id=x&branch%5fid=02&o%70=try&gid=later' }))).toMatchObject({
      sagaId: 'g',
      protocol: 'tcc',
      branchId: '02',
      op: 'try',
    });
  });

  it('counts a parameter without "=" as its first occurrence, with an empty value', () => {
    expect(extractSagaFields(span({ 'url.query': 'gid=g&op&op=action' })).op).toBeNull();
    expect(extractSagaFields(span({ 'url.query': 'gid&gid=g' })).sagaId).toBeNull();
    expect(extractSagaFields(span({ 'url.query': '&&gid=g&&op=action&' }))).toMatchObject({ sagaId: 'g', op: 'action' });
  });

  it('reads a long query of many parameters', () => {
    const query = `${'x&'.repeat(20_000)}${'a=b&'.repeat(20_000)}gid=late&op=action`;
    expect(extractSagaFields(span({ 'url.query': query }))).toMatchObject({ sagaId: 'late', op: 'action' });
  });

  it('reads the same DTM parameters from a query as a straightforward parser would', () => {
    // Reference: split on "&", decode each key and value, first occurrence wins.
    const decode = (t: string) => {
      const spaced = t.replace(/\+/g, ' ');
      try {
        return decodeURIComponent(spaced);
      } catch {
        return spaced;
      }
    };
    const reference = (query: string) => {
      const params = new Map<string, string>();
      for (const part of query.split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const key = decode(eq === -1 ? part : part.slice(0, eq));
        if (!params.has(key)) params.set(key, decode(eq === -1 ? '' : part.slice(eq + 1)));
      }
      return params;
    };
    const token = fc.constantFrom('gid', 'g%69d', 'G%49D', 'op', 'o%70', '+op', 'trans_type', 'trans%5Ftype', 'branch_id', 'branch%5fid',
      '=', '==', '&', '&&', '%', '%E2%9C%93', '%ZZ', '+', ' ', 'x', 'saga', 'tcc', 'action', 'compensate', '01', '\u00e9', '\ud800');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 24 }), (tokens) => {
        const query = tokens.join('');
        const params = reference(query.trim()); // the recorded URL is trimmed before it is split
        const attributes: Record<string, AttrValue> = {};
        const put = (key: string, name: string) => {
          const value = params.get(name);
          if (value !== undefined) attributes[key] = value;
        };
        put('dtm.gid', 'gid');
        put('dtm.op', 'op');
        put('dtm.trans_type', 'trans_type');
        put('dtm.branch_id', 'branch_id');
        const viaAttributes = extractSagaFields(span(attributes));
        // Only a query with a literal "gid=" is parsed at all (the cheap pre-check).
        const expected = viaAttributes.sagaId === null || !query.includes('gid=')
          ? { sagaId: null, op: null, protocol: null, branchId: null }
          : { sagaId: viaAttributes.sagaId, op: viaAttributes.op, protocol: viaAttributes.protocol, branchId: viaAttributes.branchId };
        expect(extractSagaFields(span({ 'url.query': query }))).toMatchObject(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the path after a URL scheme as the regex /^[a-z][a-z0-9+.-]*:\\/\\//i would', () => {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i;
    const referencePath = (beforeQuery: string) => {
      const match = scheme.exec(beforeQuery);
      if (match !== null) {
        const pathStart = beforeQuery.indexOf('/', match[0].length);
        return pathStart === -1 ? '/' : beforeQuery.slice(pathStart);
      }
      return beforeQuery.startsWith('/') ? beforeQuery : null;
    };
    const token = fc.constantFrom('http', 'H', 'z', 'a1', '1', '+', '.', '-', ':', '/', '//', '://', '\u017f', '\u212a', '@', '[', '`', '{', 'p', ' ');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        const beforeQuery = tokens.join('').trim();
        const expected = referencePath(beforeQuery)?.trim() || null;
        expect(extractSagaFields(span({ 'url.full': `${beforeQuery}?gid=g` })).step).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('uses the first occurrence of a repeated parameter', () => {
    expect(extractSagaFields(span({ 'url.query': 'gid=first&gid=second' })).sagaId).toBe('first');
  });

  it('maps DTM\'s own non-branch ops and unknown trans types to null', () => {
    expect(extractSagaFields(span({ 'http.target': '/query?gid=g&trans_type=msg2&op=queryprepared' }))).toMatchObject({
      sagaId: 'g',
      protocol: null,
      op: null,
      zeroCode: true,
    });
  });

  it('ignores URLs without a gid', () => {
    expect(extractSagaFields(span({ 'url.full': 'http://shop/api/orders?op=commit&branch_id=1' }))).toEqual(NONE);
  });

  it('does not mistake a URL inside a query value for the request URL', () => {
    expect(extractSagaFields(span({ 'url.query': 'gid=g&op=action&callback=http://other/x/y', 'url.path': '/api/pay' })).step).toBe('/api/pay');
  });

  it('reads a URL without a path', () => {
    expect(extractSagaFields(span({ 'url.full': 'http://host?gid=g&op=action' }))).toMatchObject({ sagaId: 'g', step: '/' });
  });

  it('prefers the first URL attribute that carries a gid', () => {
    const fields = extractSagaFields(span({ 'url.full': 'http://h/a?x=1', 'http.target': '/b?gid=from-target&op=action' }));
    expect(fields).toMatchObject({ sagaId: 'from-target', step: '/b' });
  });

  it('reads gRPC metadata, as strings or one-element arrays', () => {
    const fields = extractSagaFields(
      span(
        {
          'rpc.system': 'grpc',
          'rpc.service': 'busi.Busi',
          'rpc.method': 'TransOut',
          'rpc.grpc.request.metadata.dtm-gid': ['grpc-gid'],
          'rpc.grpc.request.metadata.dtm-trans_type': 'saga',
          'rpc.grpc.request.metadata.dtm-branch_id': ['01'],
          'rpc.grpc.request.metadata.dtm-op': ['compensate'],
        },
        {},
        'busi.Busi/TransOut',
      ),
    );
    expect(fields).toEqual({
      ...NONE,
      sagaId: 'grpc-gid',
      protocol: 'saga',
      branchId: '01',
      op: 'compensate',
      step: '/busi.Busi/TransOut',
      zeroCode: true,
    });
  });

  it('names a gRPC step after the span when rpc.service / rpc.method are missing', () => {
    const fields = extractSagaFields(span({ 'rpc.grpc.request.metadata.dtm-gid': 'g' }, {}, 'busi.Busi/TransIn'));
    expect(fields.step).toBe('busi.Busi/TransIn');
  });

  it('ignores multi-valued gRPC metadata', () => {
    expect(extractSagaFields(span({ 'rpc.grpc.request.metadata.dtm-gid': ['a', 'b'] })).sagaId).toBeNull();
  });

  it('fills only the fields that saga.* and dtm.* left empty, and is then not zero-code', () => {
    const fields = extractSagaFields(
      span({ 'saga.id': 'explicit', 'saga.step': 'charge', 'url.full': `http://pay/api/charge?gid=other&trans_type=saga&branch_id=05&op=action` }),
    );
    expect(fields).toMatchObject({
      sagaId: 'explicit',
      step: 'charge',
      branchId: '05',
      op: 'action',
      protocol: 'saga',
      actionUrl: 'http://pay/api/charge?gid=other&trans_type=saga&branch_id=05&op=action',
      zeroCode: false,
    });
  });

  it('is not zero-code when the gid comes from dtm.* attributes', () => {
    expect(extractSagaFields(span({ 'dtm.gid': 'g', 'http.target': '/x?gid=g&op=action' }))).toMatchObject({
      sagaId: 'g',
      op: 'action',
      step: '/x',
      zeroCode: false,
    });
  });
});

describe('extractSagaFields: DTM answers read from status codes (DESIGN §2 "DTM\'s result conventions")', () => {
  const http = (query: string, attrs: Record<string, AttrValue>) => span({ 'url.path': '/api/busi/TransIn', 'url.query': query, ...attrs });
  const ACTION = 'gid=g&trans_type=saga&branch_id=02&op=action';

  it.each<[string, Record<string, AttrValue>, string | null]>([
    ['HTTP 200', { 'http.response.status_code': 200 }, null],
    ['HTTP 409 (FAILURE)', { 'http.response.status_code': 409 }, 'failure'],
    ['HTTP 409 as a string, legacy attribute', { 'http.status_code': '409' }, 'failure'],
    ['HTTP 425 (ONGOING)', { 'http.response.status_code': 425 }, 'ongoing'],
    ['HTTP 500', { 'http.response.status_code': 500 }, 'transient'],
    ['HTTP 404 (DTM retries any other code)', { 'http.response.status_code': 404 }, 'transient'],
    ['HTTP 204 (only 200 is SUCCESS to DTM)', { 'http.response.status_code': 204 }, 'transient'],
    ['no status code', {}, null],
    ['garbage status code', { 'http.response.status_code': 'teapot' }, null],
  ])('%s → %s', (_, attrs, result) => {
    expect(extractSagaFields(http(ACTION, attrs)).result).toBe(result);
  });

  it.each<[number, string | null]>([
    [0, null],
    [10, 'failure'],
    [9, 'ongoing'],
    [14, 'transient'],
    [2, 'transient'],
  ])('gRPC code %i → %s', (code, result) => {
    const s = span({ 'rpc.service': 'busi.Busi', 'rpc.method': 'TransIn', 'rpc.grpc.status_code': code, 'rpc.grpc.request.metadata.dtm-gid': ['g'], 'rpc.grpc.request.metadata.dtm-op': ['action'] });
    expect(extractSagaFields(s).result).toBe(result);
  });

  it('gRPC ABORTED with the message ONGOING is ONGOING (DTM < 1.10)', () => {
    const s = { ...span({ 'rpc.grpc.status_code': 10, 'rpc.grpc.request.metadata.dtm-gid': ['g'], 'rpc.grpc.request.metadata.dtm-op': ['cancel'] }), statusMessage: 'ONGOING' };
    expect(extractSagaFields(s).result).toBe('ongoing');
  });

  it('saga.step.result wins; spans with saga.id, or without an op, are left to their own status', () => {
    expect(extractSagaFields(http(ACTION, { 'http.response.status_code': 409, 'saga.step.result': 'skipped' })).result).toBe('skipped');
    expect(extractSagaFields(http(ACTION, { 'http.response.status_code': 409, 'saga.id': 'g' })).result).toBeNull();
    expect(extractSagaFields(http('gid=g&trans_type=saga&branch_id=02&op=queryprepared', { 'http.response.status_code': 409 })).result).toBeNull();
  });

  it('applies to spans whose saga joined through dtm.* attributes', () => {
    expect(extractSagaFields(span({ 'dtm.gid': 'g', 'dtm.op': 'compensate', 'http.status_code': 425 })).result).toBe('ongoing');
  });

  it("derives DTM's two-phase message check-back (branch 00, op msg) as a step op", () => {
    expect(extractSagaFields(span({ 'url.full': 'http://busi:8081/api/busi/QueryPrepared?branch_id=00&gid=m1&op=msg&trans_type=msg' }))).toEqual({
      ...NONE,
      sagaId: 'm1',
      protocol: 'msg',
      branchId: '00',
      op: 'msg',
      step: '/api/busi/QueryPrepared',
      zeroCode: true,
    });
  });
});
