import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** tsx's loader, for entry points that run TypeScript children. */
export const tsxLoader = import.meta.resolve('tsx');
/** The child script of the entry-point tests. */
export const childScript = join(here, 'run-child.ts');

/** The seed's test configuration (tests/config.cfg), pointed at local test servers. */
export function seedConfig(trackingUri: string, s3Endpoint: string): string {
  return `[server]
REMOTE_SERVER_URI = http://mlflow.invalid:85
MLFLOW_S3_ENDPOINT_URL = http://minio.invalid:8002
LOCAL_REMOTE_SERVER_URI = ${trackingUri}
LOCAL_MLFLOW_S3_ENDPOINT_URL = ${s3Endpoint}
ARTIFACT_PATH = s3://mlflow

[project]
NAME = Test_Project
VOLUME_MOUNT = /data/mock:/DATA
LOCAL_VOLUME_MOUNT = \${PWD}/tests/data/mock_data_dir/:/DATA

[entry_points]
main = node --import ${tsxLoader} ${childScript} ok
Crash = node -e "process.exit(3)"
selfkill = node -e "process.kill(process.pid, 'SIGKILL')"
echo = node -e "console.log(JSON.stringify(process.argv.slice(1)))" -- {epochs}
`;
}
