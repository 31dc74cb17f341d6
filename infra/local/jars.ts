// Apache RocketMQ jars, fetched from Maven Central with plain Maven: a throwaway pom in the cache
// folder and `dependency:copy-dependencies`. Each set is fetched once and reused once complete.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, ROCKETMQ_VERSION } from './config.ts';
import { StackError } from './errors.ts';
import { requireCommand } from './processes.ts';
import { JAR_SETS, type JarSet, type RocketMqVersion } from './versions.ts';

const dependency = (artifact: string, version: string) =>
  `    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;

function pom(set: JarSet): string {
  const deps = Object.entries(set.artifacts).map(([a, v]) => dependency(a, v));
  const managed = Object.entries(set.managed ?? {}).map(([a, v]) => dependency(a, v));
  const management =
    managed.length > 0 ? `  <dependencyManagement>\n  <dependencies>\n${managed.join('\n')}\n  </dependencies>\n  </dependencyManagement>\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stack</groupId>
  <artifactId>rocketmq-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
${management}  <dependencies>
${deps.join('\n')}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.6.1</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

/** Returns the folder holding every jar of the set; the JVM classpath is `<dir>/*`. */
export function ensureJars(set: JarSet): string {
  const home = join(CACHE_DIR, `rocketmq-${set.id}`);
  const lib = join(home, 'lib');
  const marker = join(home, '.complete');
  if (existsSync(marker)) return lib;

  requireCommand('mvn', 'Apache Maven is needed to fetch the RocketMQ jars from Maven Central');
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), pom(set));
  const run = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], {
    cwd: home,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new StackError(`Maven could not fetch Apache RocketMQ ${set.id}:\n${output}`);
  }
  const jars = readdirSync(lib);
  for (const [artifact, version] of Object.entries(set.artifacts)) {
    if (!jars.includes(`${artifact}-${version}.jar`)) {
      throw new StackError(`Maven finished but ${artifact}-${version}.jar is missing from ${lib}`);
    }
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return lib;
}

/** The name server, broker and admin tool of one RocketMQ version (the default stack's unless given). */
export function ensureRocketMqJars(version: RocketMqVersion = ROCKETMQ_VERSION): string {
  return ensureJars(JAR_SETS[version]);
}
