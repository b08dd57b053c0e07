import * as assert from 'uvu/assert'
import {type CliError, isCliError} from '../../src/lib/errors.js'

/** Awaits `p` and returns the CliError it rejects with; fails the test when it resolves or rejects with anything else. */
export async function expectCliError(p: Promise<unknown>): Promise<CliError> {
  try {
    await p
  } catch (err) {
    if (isCliError(err)) return err
    throw err
  }
  assert.unreachable('expected a CliError')
  throw new Error('unreachable')
}
