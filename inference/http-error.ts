/** The one error type of the HTTP boundary: turned into a JSON body by the error middleware. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly parameter: string | undefined;

  constructor(status: number, code: string, message: string, parameter?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.parameter = parameter;
  }
}

export function badParameter(parameter: string, message: string): HttpError {
  return new HttpError(400, 'bad_parameter', `${parameter}: ${message}`, parameter);
}
