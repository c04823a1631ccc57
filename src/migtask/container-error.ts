import { Code, MigvisorError } from '../common/index.ts';

/** A container that failed verification (DATA_LOSS) or could not be decoded (INVALID_ARGUMENT). */
export class ContainerError extends MigvisorError {
  constructor(message: string, code: Code = Code.DATA_LOSS) {
    super(message, code);
  }
}
