import { app } from '@azure/functions';
import { ADMIN_PAGE_ROUTE, adminPageHandler } from '../shared/admin-page/handler';

/** GET /api/console/ — the admin page (public like a login page: the API it calls checks every request). */
app.http(ADMIN_PAGE_ROUTE.name, { route: ADMIN_PAGE_ROUTE.route, methods: ['GET'], authLevel: 'anonymous', handler: adminPageHandler });
