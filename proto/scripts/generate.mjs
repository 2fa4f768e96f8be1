// Generates proto/gen from the .proto contracts with buf + ts-proto, and
// writes gen/descriptors.binpb (the FileDescriptorSet the REST edge reads its
// google.api.http routes from). Generated code is never edited by hand.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const protoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const googleProtos = dirname(require.resolve('google-proto-files/package.json'));

function vendorGoogleApi() {
  const target = join(protoDir, 'vendor/google/api');
  mkdirSync(target, { recursive: true });
  for (const file of ['annotations.proto', 'http.proto']) {
    copyFileSync(join(googleProtos, 'google/api', file), join(target, file));
  }
}

function buf(...args) {
  execFileSync(require.resolve('@bufbuild/buf/bin/buf'), args, { cwd: protoDir, stdio: 'inherit' });
}

vendorGoogleApi();
buf('lint', '--path', 'threadweaver');
buf('generate', '--path', 'threadweaver', '--include-imports');
buf('build', '--path', 'threadweaver', '-o', 'gen/descriptors.binpb');
