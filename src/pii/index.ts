export { scanFields, scanText, luhnValid, ibanValid, type PiiFinding, type PiiKind } from './pii-scan.js';
