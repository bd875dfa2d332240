// The only entry point to @peculiar/x509. Its 2.x releases need a Reflect metadata
// polyfill loaded first (through tsyringe); ES modules evaluate in import order, so
// importing the library through this file guarantees that order for every importer.
import 'reflect-metadata';

export * from '@peculiar/x509';
