import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Env} from './env.js'

/**
 * The package root (where package.json, templates/ and schema/ live): the nearest folder above this module
 * that has templates/ and package.json (works from src/lib, dist/lib and a bundled dist/chunk).
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) return dir
    const up = path.dirname(dir)
    if (up === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
    dir = up
  }
}

/** Folder of the shipped templates. */
export function templatesDir(): string {
  return path.join(packageRoot(), 'templates')
}

/** Folder of the shipped JSON schemas. */
export function schemaDir(): string {
  return path.join(packageRoot(), 'schema')
}

/** The per-user config folder (secrets, current target): $KFP_CONFIG_DIR or $XDG_CONFIG_HOME/kfp or ~/.config/kfp. */
export function userConfigDir(env: Env): string {
  if (env.KFP_CONFIG_DIR) return env.KFP_CONFIG_DIR
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config')
  return path.join(base, 'kfp')
}

/** The project's local state folder (git-ignored): runs, build records. */
export function stateDir(projectDir: string): string {
  return path.join(projectDir, '.kfp')
}
