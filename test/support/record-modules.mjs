// `node --import` this file to append the URL of every module the process loads to the file
// named by ALB_AUDIT_MODULE_LOG (the offline-path test reads it).
import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";

const log = process.env.ALB_AUDIT_MODULE_LOG;
registerHooks({
  load(url, context, nextLoad) {
    if (log) appendFileSync(log, `${url}\n`);
    return nextLoad(url, context);
  },
});
