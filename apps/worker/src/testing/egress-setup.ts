// Integration tests run the worker's code in-process against fake receivers on 127.0.0.1 (tenants'
// webhooks, tools, CRMs), as `LX_EGRESS_ALLOW=127.0.0.1` allows a worker process to reach them.
import { parseEgressAllow, setEgressPolicy } from "../services/egress.ts";

setEgressPolicy(parseEgressAllow("127.0.0.1"));
