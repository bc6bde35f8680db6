import { app } from '@azure/functions';
import { adminRoutes } from '../shared/admin/routes';
import { adminApi } from '../shared/admin/api';

/** See adminRoutes.getMessageRaw (authLevel anonymous: the admin check happens in shared/http/admin-auth.ts). */
const r = adminRoutes.getMessageRaw;
app.http(r.name, { route: r.route, methods: [r.method], authLevel: 'anonymous', handler: adminApi.getMessageRaw });
