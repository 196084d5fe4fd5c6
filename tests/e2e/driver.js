"use strict";
/*
 * Runs a program of calls against a server with the official LeanKit node client (leankit-client).
 *
 *   LEANKIT_CLIENT_MODULE=/path/to/node_modules/leankit-client node driver.js < program.json
 *
 * The program (JSON on stdin):
 *   {
 *     "account": "http://127.0.0.1:8123",            // the client's `account` (a full URL is used as given)
 *     "auth": {"email": "...", "password": "..."},    // or {"token": "..."}; may carry a `config` (request options)
 *     "calls": [
 *       {"call": "user.me"},
 *       {"call": "auth.token.create", "args": ["CI"]},
 *       {"call": "user.me", "auth": {"token": {"$ref": "1.data.token"}}},
 *       {"call": "auth.token.revoke", "args": [{"$ref": "-2.data.id"}]}
 *     ]
 *   }
 *
 * `call` is any dotted path on the client object (`board.customFields.list`, `v1.card.get`…), called with
 * `args`.  A step's `auth` replaces the program's for that call.  Anywhere in `args` or `auth`, an object
 * {"$ref": "N.path.to.value"} is replaced by that value of result N (0-based; a negative N counts back
 * from the current step, -1 being the previous one).
 *
 * Files, anywhere in `args`: {"$file": "/path"} is replaced by `fs.createReadStream(path)` (an upload's
 * `file`), and {"$saveTo": "/path"} by `fs.createWriteStream(path)` (the stream a download pipes into);
 * the step's result is reported once every such file has been completely written.
 *
 * Output (JSON on stdout): one result per call, in order:
 *   {"ok": true,  "status": 201, "statusText": "Created", "data": {...}}
 *   {"ok": false, "status": 404, "statusText": "Not Found", "data": {...error body...}, "message": "Not Found"}
 *   {"ok": false, "status": null, "data": null, "message": "..."}   // no HTTP answer: bad call, bad ref, network
 *   {"ok": true,  "status": null, "replyCode": 202, "data": [...ReplyData...]}   // a legacy envelope resolved whole
 *   {"ok": false, "status": null, "replyCode": 900, "data": null, "message": "...ReplyText..."}   // a legacy apiError
 * With `"client": "0.6.0"` in the program, LEANKIT_CLIENT_MODULE is leankit-client 0.6.0 (callback calls such as
 * `getBoards`, `addCard`…); a call's result is what its callback got: {"ok": true, "data": ReplyData[0]} or
 * {"ok": true, "replyCode": 202, "data": ReplyData}, or {"ok": false, "replyCode": 503, "message": ReplyText}.
 * The exit status is 0 whatever the calls returned; it is 2 when the program itself cannot be read.
 */

const modulePath = process.env.LEANKIT_CLIENT_MODULE;
if ( !modulePath ) {
	process.stderr.write( "driver.js: LEANKIT_CLIENT_MODULE is not set\n" );
	process.exit( 2 );
}
const LeanKitClient = require( modulePath );
const fs = require( "fs" );
const { finished } = require( "stream/promises" );

class StepError extends Error {}

const readStdin = () => new Promise( ( resolve, reject ) => {
	const chunks = [];
	process.stdin.on( "data", chunk => chunks.push( chunk ) );
	process.stdin.on( "end", () => resolve( Buffer.concat( chunks ).toString( "utf8" ) ) );
	process.stdin.on( "error", reject );
} );

const lookup = ( root, dotted, what ) => {
	let value = root;
	for ( const key of dotted.split( "." ) ) {
		if ( value === null || value === undefined || !Object.prototype.hasOwnProperty.call( Object( value ), key ) ) {
			throw new StepError( `${ what }: nothing at '${ key }' in '${ dotted }'` );
		}
		value = value[ key ];
	}
	return value;
};

const isMarker = ( value, key ) => Object.keys( value ).length === 1 && typeof value[ key ] === "string";

// `sinks` collects the write streams a step opens; null where files are not allowed (`auth`).
const resolveRefs = ( value, results, step, sinks = null ) => {
	if ( Array.isArray( value ) ) {
		return value.map( item => resolveRefs( item, results, step, sinks ) );
	}
	if ( value === null || typeof value !== "object" ) {
		return value;
	}
	if ( isMarker( value, "$file" ) || isMarker( value, "$saveTo" ) ) {
		if ( sinks === null ) {
			throw new StepError( "$file and $saveTo are allowed only in args" );
		}
		if ( value.$file !== undefined ) {
			if ( !fs.existsSync( value.$file ) ) {
				throw new StepError( `$file: no file at '${ value.$file }'` );
			}
			return fs.createReadStream( value.$file );
		}
		const sink = fs.createWriteStream( value.$saveTo );
		sinks.push( sink );
		return sink;
	}
	if ( Object.keys( value ).length === 1 && typeof value.$ref === "string" ) {
		const [ head, ...rest ] = value.$ref.split( "." );
		let index = Number( head );
		if ( !Number.isInteger( index ) ) {
			throw new StepError( `$ref '${ value.$ref }' does not start with a step number` );
		}
		if ( index < 0 ) {
			index += step;
		}
		if ( index < 0 || index >= step ) {
			throw new StepError( `$ref '${ value.$ref }' names no earlier step` );
		}
		const target = results[ index ];
		return rest.length ? lookup( target, rest.join( "." ), `$ref '${ value.$ref }'` ) : target;
	}
	const out = {};
	for ( const [ key, item ] of Object.entries( value ) ) {
		out[ key ] = resolveRefs( item, results, step, sinks );
	}
	return out;
};

const clients = new Map();
const clientFor = ( account, auth ) => {
	const key = JSON.stringify( auth );
	if ( !clients.has( key ) ) {
		// The client mutates its `config`, so each one gets its own copy.
		clients.set( key, LeanKitClient( Object.assign( JSON.parse( key ), { account } ) ) );
	}
	return clients.get( key );
};

// leankit-client 0.6.0 (program `"client": "0.6.0"`): `createClient(account, email, password)`, and every
// call takes a node callback last, which gets either an Error (a ReplyCode over 399 as `statusCode`) or the
// unwrapped ReplyData[0] (ReplyCode 200/201) or the whole envelope (any other ReplyCode).
const clientFor06 = ( account, auth ) => LeanKitClient.createClient( account, auth.email, auth.password );

const call06 = ( owner, fn, args ) => new Promise( ( resolve, reject ) => {
	fn.apply( owner, [ ...args, ( err, data ) => ( err ? reject( Object.assign( err, { client06: true } ) ) : resolve( data ) ) ] );
} );

const describeFailure = err => {
	if ( err && err.client06 ) {
		return { ok: false, status: null, data: null, message: err.message, replyCode: err.statusCode === undefined ? null : err.statusCode };
	}
	if ( err && err.name === "apiError" ) {
		// A legacy (/kanban/api) reply whose ReplyCode is 300 or more: HTTP 200, refused by the envelope.
		return { ok: false, status: null, data: err.replyData === undefined ? null : err.replyData, message: err.replyText, replyCode: err.replyCode };
	}
	if ( err instanceof StepError || err.status === undefined ) {
		return { ok: false, status: null, data: null, message: String( err && err.message || err ) };
	}
	return {
		ok: false,
		status: err.status,
		statusText: err.statusText,
		data: err.data === undefined ? null : err.data,
		message: err.message
	};
};

const runStep = async ( program, spec, results, step ) => {
	if ( !spec || typeof spec.call !== "string" ) {
		throw new StepError( "a step needs a 'call' naming a client function" );
	}
	const auth = resolveRefs( spec.auth || program.auth || {}, results, step );
	const sinks = [];
	try {
		const args = resolveRefs( spec.args || [], results, step, sinks );
		const old = program.client === "0.6.0";
		const client = old ? clientFor06( program.account, auth ) : clientFor( program.account, auth );
		const path = spec.call.split( "." );
		const owner = path.length > 1 ? lookup( client, path.slice( 0, -1 ).join( "." ), `call '${ spec.call }'` ) : client;
		const fn = owner[ path[ path.length - 1 ] ];
		if ( typeof fn !== "function" ) {
			throw new StepError( `call '${ spec.call }' is not a function of the client` );
		}
		if ( old ) {
			const data = await call06( owner, fn, args );
			if ( data && typeof data === "object" && data.ReplyCode !== undefined ) {
				return { ok: true, status: null, statusText: data.ReplyText, data: data.ReplyData, replyCode: data.ReplyCode };
			}
			return { ok: true, status: null, data: data === undefined ? null : data };
		}
		const res = await fn.apply( owner, args );
		if ( res && res.ReplyCode !== undefined ) {
			// A legacy reply the client resolves whole (ReplyCode 100, 202, 203…): its ReplyCode and ReplyData.
			return { ok: true, status: null, statusText: res.ReplyText, data: res.ReplyData, replyCode: res.ReplyCode };
		}
		return { ok: true, status: res.status, statusText: res.statusText, data: res.data === undefined ? null : res.data };
	} finally {
		// A download's promise settles when the response ends, possibly before its file is flushed.
		for ( const sink of sinks ) {
			if ( !sink.writableEnded ) {
				sink.end();
			}
			await finished( sink ).catch( () => undefined );
		}
	}
};

const main = async () => {
	let program;
	try {
		program = JSON.parse( await readStdin() );
		if ( typeof program.account !== "string" || !Array.isArray( program.calls ) ) {
			throw new Error( "the program needs 'account' (a string) and 'calls' (a list)" );
		}
	} catch ( err ) {
		process.stderr.write( `driver.js: bad program: ${ err.message }\n` );
		process.exit( 2 );
	}
	const results = [];
	for ( let step = 0; step < program.calls.length; step++ ) {
		try {
			results.push( await runStep( program, program.calls[ step ], results, step ) );
		} catch ( err ) {
			results.push( describeFailure( err ) );
		}
	}
	process.stdout.write( JSON.stringify( results ) );
};

main().catch( err => {
	process.stderr.write( `driver.js: ${ err && err.stack || err }\n` );
	process.exit( 1 );
} );
