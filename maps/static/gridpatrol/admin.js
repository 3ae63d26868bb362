/* The administration page: users and roles, leaders' assignments, dispatching plans, imports. */
import { readSettings } from './settings.js';
import { setupPlans } from './admin/plans.js';
import { setupAssignments } from './admin/assignments.js';
import { setupUsers } from './admin/users.js';
import { setupImports } from './admin/imports.js';

function start() {
  readSettings();
  const $ = (id) => document.getElementById(id);
  Promise.all([setupUsers($('gp-users')), setupAssignments($('gp-assignments')), setupPlans($('gp-plans')),
    setupImports($('gp-imports'))]).then(() => {
    document.documentElement.setAttribute('data-gridpatrol-ready', '1');
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
