import { base, restrictEnvAccess } from "@lx/config/eslint";

export default [...base, ...restrictEnvAccess];
