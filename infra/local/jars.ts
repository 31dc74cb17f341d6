// Apache RocketMQ name server, broker and admin tool, fetched from Maven Central with plain Maven:
// a throwaway pom in the cache folder and `dependency:copy-dependencies`. Reused once complete.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, ROCKETMQ_VERSION } from './config.ts';
import { StackError } from './errors.ts';
import { requireCommand } from './processes.ts';

const ARTIFACTS = ['rocketmq-namesrv', 'rocketmq-broker', 'rocketmq-tools'];

function pom(version: string): string {
  const deps = ARTIFACTS.map(
    (a) => `    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>${a}</artifactId>` + `<version>${version}</version></dependency>`,
  ).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stack</groupId>
  <artifactId>rocketmq-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
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

/** Returns the folder holding every jar the services need; the JVM classpath is `<dir>/*`. */
export function ensureRocketMqJars(version = ROCKETMQ_VERSION): string {
  const home = join(CACHE_DIR, `rocketmq-${version}`);
  const lib = join(home, 'lib');
  const marker = join(home, '.complete');
  if (existsSync(marker)) return lib;

  requireCommand('mvn', 'Apache Maven is needed to fetch the RocketMQ jars from Maven Central');
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), pom(version));
  const run = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], {
    cwd: home,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new StackError(`Maven could not fetch Apache RocketMQ ${version}:\n${output}`);
  }
  const jars = readdirSync(lib);
  for (const artifact of ARTIFACTS) {
    if (!jars.includes(`${artifact}-${version}.jar`)) {
      throw new StackError(`Maven finished but ${artifact}-${version}.jar is missing from ${lib}`);
    }
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return lib;
}
