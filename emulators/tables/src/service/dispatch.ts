/** Routes one request (or one `$batch` part) to its operation, after the SAS permission check. */
import { checkGrant } from '../auth/authorize.js';
import { Errors } from '../errors.js';
import { getAcl, setAcl } from './acl-ops.js';
import type { Context } from './context.js';
import { deleteEntity, getEntity, insertEntity, queryEntities, updateEntity } from './entity-ops.js';
import type { ServiceRequest, ServiceResponse } from './request.js';
import type { Route } from './route.js';
import { dispatchService } from './service-ops.js';
import { createTable, deleteTable, queryTables } from './table-ops.js';

/** Entity operations: the only kind a `$batch` changeset may hold. */
export function dispatchEntity(ctx: Context, req: ServiceRequest, route: Route): ServiceResponse {
  const m = req.method;
  if (route.kind === 'entity') {
    const { table, pk, rk } = route;
    if (m === 'GET') {
      checkGrant(ctx.grant, { resource: 'o', needs: ['r'], table });
      return getEntity(ctx, req, table, pk, rk);
    }
    if (m === 'PUT' || m === 'MERGE' || m === 'PATCH') {
      const upsert = req.header('if-match') === undefined;
      checkGrant(ctx.grant, { resource: 'o', needs: upsert ? ['a', 'u'] : ['u'], table });
      return updateEntity(ctx, req, table, pk, rk, m !== 'PUT');
    }
    if (m === 'DELETE') {
      checkGrant(ctx.grant, { resource: 'o', needs: ['d'], table });
      return deleteEntity(ctx, req, table, pk, rk);
    }
    throw Errors.methodNotAllowed();
  }
  if (route.kind === 'entities') {
    if (!route.parens && req.query.get('comp') === 'acl') {
      if (m === 'GET') return getAcl(ctx, req, route.table);
      if (m === 'PUT') return setAcl(ctx, req, route.table);
      throw Errors.methodNotAllowed();
    }
    if (m === 'POST' && !route.parens) {
      checkGrant(ctx.grant, { resource: 'o', needs: ['a'], table: route.table });
      return insertEntity(ctx, req, route.table);
    }
    if (m === 'GET') {
      checkGrant(ctx.grant, { resource: 'o', needs: ['r'], table: route.table });
      return queryEntities(ctx, req, route.table);
    }
    throw Errors.methodNotAllowed();
  }
  throw Errors.invalidUri();
}

export function dispatch(ctx: Context, req: ServiceRequest, route: Route): ServiceResponse {
  switch (route.kind) {
    case 'tables':
      if (req.method === 'GET') {
        checkGrant(ctx.grant, { resource: 'c', needs: ['lr'] });
        return queryTables(ctx, req);
      }
      if (req.method === 'POST') {
        checkGrant(ctx.grant, { resource: 'c', needs: ['acw'] });
        return createTable(ctx, req);
      }
      throw Errors.methodNotAllowed();
    case 'table':
      if (req.method === 'DELETE') {
        checkGrant(ctx.grant, { resource: 'c', needs: ['d'] });
        return deleteTable(ctx, req, route.table);
      }
      if (req.method === 'GET') {
        checkGrant(ctx.grant, { resource: 'c', needs: ['lr'] });
        return queryTables(ctx, req, route.table);
      }
      throw Errors.methodNotAllowed();
    case 'service':
      return dispatchService(ctx, req, ctx.secondary);
    case 'batch':
      throw Errors.notImplemented();
    default:
      return dispatchEntity(ctx, req, route);
  }
}
