/** The well-known development storage account (the one Azurite and `UseDevelopmentStorage=true` use). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Account {
  readonly name: string;
  readonly key: Buffer;
}

export const devAccount: Account = { name: DEV_ACCOUNT, key: Buffer.from(DEV_KEY, 'base64') };
